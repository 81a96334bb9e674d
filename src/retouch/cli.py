"""``retouch serve | worker | edit | plan | models``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("retouch")


def _settings(args: argparse.Namespace) -> Any:
    from .config import load_settings

    overrides: dict[str, Any] = {}
    for name in ("host", "port", "data_dir", "workers", "tls_certfile", "tls_keyfile", "public_url"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "role", None):
        overrides["role"] = args.role
    return load_settings(getattr(args, "config", None), **overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .api.app import create_app
    from .api.http_protocol import coalescing_protocol
    from .logsetup import setup_logging

    settings = _settings(args)
    setup_logging(settings.log_level)
    if getattr(args, "tls_self_signed", False):
        settings = _with_dev_certificates(settings)
    app = create_app(settings)
    scheme = "https" if settings.tls_certfile else "http"
    print(
        f"Retouch serving on {scheme}://{settings.host}:{settings.port}  (role: {settings.role}, "
        f"state: {settings.state_backend}, files: {settings.object_backend}, engines: "
        f"{', '.join(sorted(settings.engines))}, default: {settings.default_engine})",
        flush=True,
    )
    if settings.auth_enabled:
        print(
            f"Auth is ON: {len(settings.keys)} key(s) configured; send 'Authorization: Key <key>'.",
            flush=True,
        )
    else:
        print(
            "Auth is OFF: no keys configured (set RETOUCH_KEYS to require 'Authorization: Key <key>').",
            flush=True,
        )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        ssl_certfile=settings.tls_certfile,
        ssl_keyfile=settings.tls_keyfile,
        access_log=False,
        http=coalescing_protocol() or "auto",
    )
    return 0


def _with_dev_certificates(settings: Any) -> Any:
    """Serves TLS with a certificate from a local CA kept in the data directory, and says how to trust it."""
    from .net.dev_certificates import ensure_dev_certificates

    if settings.tls_certfile:
        raise SystemExit("--tls-self-signed and --tls-certfile exclude each other")
    made = ensure_dev_certificates(Path(settings.data_dir).resolve() / "tls", [settings.host])
    where = f"{'127.0.0.1' if settings.host in ('0.0.0.0', '::') else settings.host}:{settings.port}"
    print(
        f"TLS with a local CA ({made.ca}). For the fal client:\n"
        f"  export SSL_CERT_FILE={made.ca} FAL_RUN_HOST={where} FAL_QUEUE_RUN_HOST={where}/queue FAL_KEY=anything",
        flush=True,
    )
    return settings.model_copy(update={"tls_certfile": str(made.cert), "tls_keyfile": str(made.key)})


def cmd_worker(args: argparse.Namespace) -> int:
    from .logsetup import setup_logging
    from .worker_command import run_worker

    settings = _settings(args)
    setup_logging(settings.log_level)
    return run_worker(settings)


def cmd_plan(args: argparse.Namespace) -> int:
    import importlib

    from .errors import EngineRefusal, InputError

    # Imported by name: the planner belongs to the classic engine, which the CLI does not otherwise depend on.
    plan_text = importlib.import_module("retouch.engines.classic").plan_text

    try:
        # One line a step: the operation, [the direction its words were read in], and the words it came from.
        print(plan_text(args.prompt, num_inputs=args.inputs, has_mask=args.mask))
    except EngineRefusal as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        if exc.not_understood:
            print(f"not understood: {', '.join(exc.not_understood)}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"refused ({exc.field}): {exc.message}", file=sys.stderr)
        return 2
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from .local_edit import run_local_edit

    return run_local_edit(args)


def cmd_models_pull(args: argparse.Namespace) -> int:
    """Downloads with huggingface_hub (its progress bars on stderr); prints where the weights are on stdout."""
    from .engines.diffusers.hub import PullError, disk_bytes, endpoint, pull, resolve_target

    try:
        target = resolve_target(args.model)
        what = f"{target.repo_id}/{target.filename}" if target.filename else target.repo_id
        print(f"Pulling {what} from {endpoint()}", file=sys.stderr, flush=True)
        path = pull(target, revision=args.revision, local_dir=args.dir, cache_dir=args.cache_dir, include=args.include)
    except PullError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    from .engines.diffusers.catalog import human_bytes

    print(f"Done: {human_bytes(disk_bytes(path))} in {path}", file=sys.stderr)
    print(path)
    return 0


def cmd_models_list(args: argparse.Namespace) -> int:
    from .engines.diffusers.catalog import human_bytes, rows

    settings = _settings(args)
    found = list(rows(settings.engines, load=args.load))
    if not found:
        print("no diffusers engines are configured (see docs/models.md)")
        return 0
    for row in found:
        print(f"{row.engine} ({row.role}): {row.family}  {row.model}")
        print(f"    weights: {row.location}  {human_bytes(row.size_bytes)}")
        print(f"    status:  {row.status}")
    bad = [r for r in found if not (r.status == "loads" or r.status.startswith("present"))]
    return 1 if bad else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="retouch", description="Self-hostable image-editing API server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server (and, by default, its workers)")
    serve.add_argument("--config", help="YAML settings file (also RETOUCH_CONFIG)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--data-dir", dest="data_dir", type=Path)
    serve.add_argument("--workers", type=int, help="worker threads in this process")
    serve.add_argument("--role", choices=["all", "api"], help="'api' serves HTTP only; workers run elsewhere")
    serve.add_argument("--tls-certfile", dest="tls_certfile")
    serve.add_argument("--tls-keyfile", dest="tls_keyfile")
    serve.add_argument(
        "--tls-self-signed",
        action="store_true",
        help="serve https with a certificate from a local CA made in the data directory (for trying the fal client)",
    )
    serve.add_argument("--public-url", dest="public_url", help="base URL used in returned file URLs")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run an engine-only worker that pulls jobs from the shared store")
    worker.add_argument("--config", help="YAML settings file (also RETOUCH_CONFIG)")
    worker.add_argument("--data-dir", dest="data_dir", type=Path)
    worker.add_argument("--workers", type=int, help="jobs run at once in this process")
    worker.set_defaults(func=cmd_worker)

    plan = sub.add_parser("plan", help="print the classic engine's plan for a prompt without running it")
    plan.add_argument("prompt")
    plan.add_argument("--inputs", type=int, default=1, help="number of input images")
    plan.add_argument("--mask", action="store_true", help="pretend a mask is given")
    plan.set_defaults(func=cmd_plan)

    edit = sub.add_parser("edit", help="edit local files in-process")
    edit.add_argument("inputs", nargs="+", type=Path)
    edit.add_argument("--prompt", "-p", required=True)
    edit.add_argument("--output", "-o", required=True, type=Path)
    edit.add_argument("--mask", type=Path)
    edit.add_argument("--seed", type=int, default=0)
    edit.add_argument("--engine", default="classic")
    edit.add_argument("--num-images", dest="num_images", type=int, default=1)
    edit.add_argument("--size", default="auto", help="preset name or WIDTHxHEIGHT")
    edit.add_argument("--quality", default="high", choices=["low", "medium", "high"])
    edit.add_argument("--config")
    edit.set_defaults(func=cmd_edit)

    models = sub.add_parser("models", help="fetch and inspect the weights of the generative (diffusers) engines")
    msub = models.add_subparsers(dest="models_command", required=True)
    pull = msub.add_parser(
        "pull",
        help="download a model with huggingface_hub (HF_TOKEN for gated repositories, HF_ENDPOINT for a mirror)",
    )
    pull.add_argument("model", help="a family (flux-kontext, qwen-image-edit, ...), a Hub id, or org/name/file")
    pull.add_argument("--revision", help="a branch, tag or commit (default: main)")
    pull.add_argument("--dir", help="put the files in this directory instead of the Hugging Face cache")
    pull.add_argument("--cache-dir", dest="cache_dir", help="the Hugging Face cache to use (an engine's cache_dir)")
    pull.add_argument("--include", action="append", help="only files matching this pattern (repeatable)")
    pull.set_defaults(func=cmd_models_pull)
    listing = msub.add_parser("list", help="the configured models, where their weights are, and whether they load")
    listing.add_argument("--config", help="YAML settings file (also RETOUCH_CONFIG)")
    listing.add_argument("--load", action="store_true", help="load each pipeline as the server would")
    listing.set_defaults(func=cmd_models_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
