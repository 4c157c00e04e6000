// Max and average pooling with PyTorch's semantics (the reference's rules, ported): per-side
// padding, dilation (max), ceil-mode windows clipped to the padded input, countIncludePad, NaN wins.

/** Flat index (within the plane) of the window's winner, or -1 for an all-padding window. */
@inline function winner(
  x: usize, H: i32, W: i32, i: i32, j: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32,
): i32 {
  let best: f32 = -Infinity;
  let win = -1;
  for (let a = 0; a < kh; a++) {
    const row = i * sh - padTop + a * dh;
    if (row < 0 || row >= H) continue;
    for (let b = 0; b < kw; b++) {
      const col = j * sw - padLeft + b * dw;
      if (col < 0 || col >= W) continue;
      const v = load<f32>(x + (<usize>(row * W + col) << 2));
      if (win == -1 || v > best || v != v) {
        best = v;
        win = row * W + col;
      }
    }
  }
  return win;
}

export function maxPoolForward(
  x: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, y: usize,
): void {
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const w = winner(xp, H, W, i, j, kh, kw, sh, sw, padTop, padLeft, dh, dw);
        store<f32>(y + (<usize>((p * outH + i) * outW + j) << 2), w < 0 ? -Infinity : load<f32>(xp + (<usize>w << 2)));
      }
    }
  }
}

/** dx (zeroed by the caller) += dy at each window's winner. */
export function maxPoolBackward(
  dy: usize, x: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, dx: usize,
): void {
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    const dxp = dx + (<usize>(p * H * W) << 2);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const w = winner(xp, H, W, i, j, kh, kw, sh, sw, padTop, padLeft, dh, dw);
        if (w < 0) continue;
        const q = dxp + (<usize>w << 2);
        store<f32>(q, load<f32>(q) + load<f32>(dy + (<usize>((p * outH + i) * outW + j) << 2)));
      }
    }
  }
}

// One window's bounds: [top, bottom) x [left, right) clipped to the padded input, then to the real one.
let rowStart = 0, rowEnd = 0, colStart = 0, colEnd = 0;
let divisor: f32 = 1;

@inline function window(
  i: i32, j: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padBottom: i32, padLeft: i32, padRight: i32, countIncludePad: i32,
): void {
  const top = i * sh - padTop;
  const left = j * sw - padLeft;
  const bottom = min(top + kh, H + padBottom);
  const right = min(left + kw, W + padRight);
  rowStart = max(top, 0);
  colStart = max(left, 0);
  rowEnd = min(bottom, H);
  colEnd = min(right, W);
  divisor = <f32>(countIncludePad != 0 ? (bottom - top) * (right - left) : (rowEnd - rowStart) * (colEnd - colStart));
}

export function avgPoolForward(
  x: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padBottom: i32, padLeft: i32, padRight: i32,
  countIncludePad: i32, outH: i32, outW: i32, y: usize,
): void {
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        window(i, j, H, W, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, countIncludePad);
        let sum: f32 = 0;
        for (let r = rowStart; r < rowEnd; r++) {
          for (let c = colStart; c < colEnd; c++) sum += load<f32>(xp + (<usize>(r * W + c) << 2));
        }
        store<f32>(y + (<usize>((p * outH + i) * outW + j) << 2), sum / divisor);
      }
    }
  }
}

/** dx (zeroed by the caller) += dy / divisor over each window's real cells. */
export function avgPoolBackward(
  dy: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padBottom: i32, padLeft: i32, padRight: i32,
  countIncludePad: i32, outH: i32, outW: i32, dx: usize,
): void {
  for (let p = 0; p < planes; p++) {
    const dxp = dx + (<usize>(p * H * W) << 2);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        window(i, j, H, W, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, countIncludePad);
        const share = load<f32>(dy + (<usize>((p * outH + i) * outW + j) << 2)) / divisor;
        for (let r = rowStart; r < rowEnd; r++) {
          for (let c = colStart; c < colEnd; c++) {
            const q = dxp + (<usize>(r * W + c) << 2);
            store<f32>(q, load<f32>(q) + share);
          }
        }
      }
    }
  }
}
