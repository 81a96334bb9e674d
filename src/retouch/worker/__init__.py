"""Workers: take a job, load its inputs, run the engine with progress and cancellation, store the outputs."""
