// The mask painter: white = may change. Drawn at the first image's full resolution, shown scaled over it.
export class MaskPainter {
  constructor(canvas, base) {
    this.canvas = canvas;
    this.base = base;
    this.ctx = canvas.getContext("2d");
    this.brush = 30;
    this.eraser = false;
    this.painted = false;
    let drawing = false;
    const point = (e) => {
      const rect = canvas.getBoundingClientRect();
      return [((e.clientX - rect.left) / rect.width) * canvas.width, ((e.clientY - rect.top) / rect.height) * canvas.height];
    };
    canvas.addEventListener("pointerdown", (e) => { drawing = true; canvas.setPointerCapture(e.pointerId); this.dab(...point(e)); });
    canvas.addEventListener("pointermove", (e) => { if (drawing) this.dab(...point(e)); });
    canvas.addEventListener("pointerup", () => { drawing = false; });
  }

  reset(width, height) {
    this.canvas.width = width;
    this.canvas.height = height;
    this.clear();
  }

  dab(x, y) {
    const scale = this.canvas.width / Math.max(1, this.canvas.getBoundingClientRect().width);
    this.ctx.fillStyle = this.eraser ? "#000" : "#fff";
    this.ctx.beginPath();
    this.ctx.arc(x, y, (this.brush / 2) * scale, 0, Math.PI * 2);
    this.ctx.fill();
    this.painted = true;
  }

  clear() {
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.painted = false;
  }

  invert() {
    const img = this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
    for (let i = 0; i < img.data.length; i += 4) {
      const v = 255 - img.data[i];
      img.data[i] = img.data[i + 1] = img.data[i + 2] = v;
      img.data[i + 3] = 255;
    }
    this.ctx.putImageData(img, 0, 0);
    this.painted = true;
  }

  async load(file) {
    const bitmap = await createImageBitmap(file);
    this.ctx.drawImage(bitmap, 0, 0, this.canvas.width, this.canvas.height);
    this.painted = true;
  }

  toBlob() {
    return new Promise((resolve) => this.canvas.toBlob(resolve, "image/png"));
  }
}
