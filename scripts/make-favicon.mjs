// Writes app/favicon.ico: the logo (three port dots joined by wires) drawn at 32x32 and 16x16,
// stored as PNGs inside an ICO container. Run once after changing the logo: node scripts/make-favicon.mjs
import { writeFileSync } from 'node:fs';
import { encode } from 'fast-png';

const DOTS = [
  { x: 4, y: 4, rgb: [0x5b, 0x9c, 0xff] },
  { x: 14, y: 9, rgb: [0xb5, 0x7c, 0xff] },
  { x: 4, y: 14, rgb: [0x3e, 0xcf, 0x8e] },
];

/** The 18x18 logo at `size` px, RGBA: a dark rounded square, grey wires, three dots. */
function draw(size) {
  const s = size / 18;
  const data = new Uint8Array(size * size * 4);
  const put = (x, y, [r, g, b], a = 255) => {
    const i = (y * size + x) * 4;
    data[i] = r; data[i + 1] = g; data[i + 2] = b; data[i + 3] = a;
  };
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) put(x, y, [0x11, 0x14, 0x19]);
  // wires: from each left dot to the right one
  for (const d of [DOTS[0], DOTS[2]]) {
    for (let t = 0; t <= 1; t += 0.01) {
      const x = Math.round((d.x + 2 + t * (DOTS[1].x - d.x - 4)) * s);
      const y = Math.round((d.y + t * (DOTS[1].y - d.y)) * s);
      if (x >= 0 && y >= 0 && x < size && y < size) put(x, y, [0x87, 0x93, 0xa6]);
    }
  }
  for (const d of DOTS) {
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      if (Math.hypot(x + 0.5 - d.x * s, y + 0.5 - d.y * s) <= 2.6 * s) put(x, y, d.rgb);
    }
  }
  return encode({ width: size, height: size, data, channels: 4 });
}

const images = [32, 16].map((size) => ({ size, png: draw(size) }));
const header = Buffer.alloc(6 + 16 * images.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(images.length, 4);
let offset = header.length;
images.forEach(({ size, png }, k) => {
  const e = 6 + 16 * k;
  header.writeUInt8(size, e);
  header.writeUInt8(size, e + 1);
  header.writeUInt16LE(1, e + 4);
  header.writeUInt16LE(32, e + 6);
  header.writeUInt32LE(png.length, e + 8);
  header.writeUInt32LE(offset, e + 12);
  offset += png.length;
});
writeFileSync(new URL('../app/favicon.ico', import.meta.url), Buffer.concat([header, ...images.map((i) => Buffer.from(i.png))]));
console.log('wrote app/favicon.ico');
