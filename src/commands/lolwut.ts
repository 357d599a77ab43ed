// LOLWUT [VERSION v] [args...] (Redis 7.0's lolwut.c). Redis 7's own LOLWUT only prints the
// version; VERSION 5 draws Georg Nees's "Schotter" in Braille dots and VERSION 6 an 8-bit
// city skyline. Both are random, like Redis's, so only their shape can match Redis's.
import type { CommandContext } from "./spec.ts";
import { ERR_NOT_INTEGER } from "../protocol/errors.ts";
import { REDIS_COMPAT_VERSION } from "../version.ts";

/** C's rand(): 0..RAND_MAX. */
const rand = () => Math.floor(Math.random() * 2147483648);
const RAND_MAX = 2147483647;

class Canvas {
  readonly pixels: Uint8Array;
  constructor(readonly width: number, readonly height: number, background: number) {
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  set(x: number, y: number, color: number): void {
    if (x >= 0 && x < this.width && y >= 0 && y < this.height) {
      this.pixels[x + y * this.width] = color;
    }
  }

  get(x: number, y: number): number {
    return x >= 0 && x < this.width && y >= 0 && y < this.height
      ? this.pixels[x + y * this.width]
      : 0;
  }

  /** Bresenham's line. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1), dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1, sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1, color);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }

  /** A square of side `size` centred on (x, y), rotated by `angle`: its corners lie on a
   * circle, a quarter turn apart. */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    const radius = Math.round(Math.fround(size / 1.4142135623));
    const px: number[] = [], py: number[] = [];
    let k = Math.PI / 4 + angle;
    for (let j = 0; j < 4; j++) {
      px.push(Math.round(Math.sin(k) * radius + x));
      py.push(Math.round(Math.cos(k) * radius + y));
      k += Math.PI / 2;
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
  }
}

/** Integer arguments like getLongFromObjectOrReply; null after writing the error. */
function longArgs(ctx: CommandContext, argv: Uint8Array[], defaults: number[]): number[] | null {
  const out = defaults.slice();
  for (let i = 0; i < defaults.length && i + 1 < argv.length; i++) {
    const text = new TextDecoder().decode(argv[i + 1]);
    if (!/^(0|-?[1-9][0-9]*)$/.test(text) || Math.abs(Number(text)) > 2 ** 63) {
      ctx.out.error(ERR_NOT_INTEGER);
      return null;
    }
    out[i] = Number(text);
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

// ---- version 5: Schotter ------------------------------------------------------------------------

function schotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = Math.fround((width - padding * 2) / perRow);
  const canvas = new Canvas(width, Math.trunc(side * perCol + padding * 2), 0);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(x * side + side / 2 + padding);
      let sy = Math.trunc(y * side + side / 2 + padding);
      let angle = 0;
      // Lower rows turn and drift more and more at random.
      if (y > 1) {
        const r = () => (rand() / RAND_MAX / perCol) * y;
        let r1 = r(), r2 = r(), r3 = r();
        if (rand() % 2) r1 = -r1;
        if (rand() % 2) r2 = -r2;
        if (rand() % 2) r3 = -r3;
        angle = r1;
        sx = Math.trunc(sx + (r2 * side) / 3);
        sy = Math.trunc(sy + (r3 * side) / 3);
      }
      canvas.square(sx, sy, side, angle, 1);
    }
  }
  return canvas;
}

/** Each 2x4 block of pixels as one Braille character (dots 1-8 = bits 0-7). */
function renderBraille(canvas: Canvas): string {
  let text = "";
  for (let y = 0; y < canvas.height; y += 4) {
    for (let x = 0; x < canvas.width; x += 2) {
      const dots = [[x, y], [x, y + 1], [x, y + 2], [x + 1, y], [x + 1, y + 1], [x + 1, y + 2], [
        x,
        y + 3,
      ], [x + 1, y + 3]];
      let bits = 0;
      dots.forEach(([px, py], bit) => {
        if (canvas.get(px, py)) bits |= 1 << bit;
      });
      text += String.fromCharCode(0x2800 + bits);
    }
    if (y !== canvas.height - 1) text += "\n";
  }
  return text;
}

function lolwut5(ctx: CommandContext, argv: Uint8Array[]): void {
  const parsed = longArgs(ctx, argv, [66, 8, 12]);
  if (!parsed) return;
  const [cols, perRow, perCol] = [
    clamp(parsed[0], 1, 1000),
    clamp(parsed[1], 1, 200),
    clamp(parsed[2], 1, 200),
  ];
  const art = renderBraille(schotter(cols, perRow, perCol));
  ctx.out.verbatim(
    `${art}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_COMPAT_VERSION}\n`,
  );
}

// ---- version 6: skyline -------------------------------------------------------------------------

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

function skyscraper(canvas: Canvas, s: Skyscraper): void {
  const startY = canvas.height - 1, endY = startY - s.height + 1;
  for (let y = startY; y >= endY; y--) {
    for (let x = s.xoff; x < s.xoff + s.width; x++) {
      if (y === endY && (x <= s.xoff + 1 || x >= s.xoff + s.width - 2)) continue; // narrower roof
      let color = s.color;
      const inner = x > s.xoff + 1 && x < s.xoff + s.width - 2 && y > endY + 1 && y < startY - 1;
      if (s.windows && inner) {
        const relX = x - (s.xoff + 1), relY = y - (endY + 1);
        // Windows two pixels wide, one tall (terminal cells are not square), lit at random.
        if (Math.trunc(relX / 2) % 2 && relY % 2) {
          do color = 1 + rand() % 2; while (color === s.color);
          if (relX % 2) color = canvas.get(x - 1, y);
        }
      }
      canvas.set(x, y, color);
    }
  }
}

function skyline(canvas: Canvas): void {
  const h = canvas.height;
  // Two background layers in grays, the lighter one behind, then the foreground with windows.
  for (let color = 2; color >= 1; color--) {
    for (let offset = -10; offset < canvas.width;) {
      offset += rand() % 8;
      const width = 10 + rand() % 9;
      const height = Math.trunc(h / 2) + Math.trunc((rand() % h) / (color === 2 ? 2 : 3));
      skyscraper(canvas, { xoff: offset, width, height, windows: false, color });
      offset += color === 2 ? Math.trunc(width / 2) : width + 1;
    }
  }
  for (let offset = -10; offset < canvas.width;) {
    offset += rand() % 8;
    let width = 5 + rand() % 14;
    if (width % 4) width += width % 3;
    const height = Math.trunc(h / 3) + Math.trunc((rand() % h) / 2);
    skyscraper(canvas, { xoff: offset, width, height, windows: true, color: 0 });
    offset += width + 5;
  }
}

/** The terminal's four grays, as background and foreground colours of a space. */
const GRAYS = ["0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"];

function renderGrays(canvas: Canvas): string {
  const rows: string[] = [];
  for (let y = 0; y < canvas.height; y++) {
    let row = "";
    for (let x = 0; x < canvas.width; x++) {
      row += `\x1b[${GRAYS[canvas.get(x, y)] ?? GRAYS[0]} \x1b[0m`;
    }
    rows.push(row);
  }
  return rows.join("\n");
}

function lolwut6(ctx: CommandContext, argv: Uint8Array[]): void {
  const parsed = longArgs(ctx, argv, [80, 20]);
  if (!parsed) return;
  const canvas = new Canvas(clamp(parsed[0], 1, 1000), clamp(parsed[1], 1, 1000), 3);
  skyline(canvas);
  ctx.out.verbatim(
    `${renderGrays(canvas)}\nDedicated to the 8 bit game developers of past and present.\n` +
      `Original 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_COMPAT_VERSION}\n`,
  );
}

export function lolwut(ctx: CommandContext): void {
  const { args } = ctx;
  const argv: Uint8Array[] = [];
  for (let i = 0; i < args.argc; i++) argv.push(args.bytes(i));
  let version = REDIS_COMPAT_VERSION;
  if (args.argc >= 3 && args.is(1, "version")) {
    const v = args.int(2);
    if (v === null) return ctx.out.error(ERR_NOT_INTEGER);
    version = `${Number(BigInt.asUintN(32, BigInt(v)))}.0.0`; // C's (unsigned int) cast
    argv.splice(0, 2); // the chosen version sees its own arguments only
  }
  // Redis picks by the version's first characters: 5.x (and 4.9) draws 5, 6.x (and 5.9) draws 6.
  const [a, b, c] = version;
  if ((a === "5" && b === "." && c !== "9") || (a === "4" && b === "." && c === "9")) {
    return lolwut5(ctx, argv);
  }
  if ((a === "6" && b === "." && c !== "9") || (a === "5" && b === "." && c === "9")) {
    return lolwut6(ctx, argv);
  }
  ctx.out.verbatim(`Redis ver. ${REDIS_COMPAT_VERSION}\n`);
}
