// zip.mjs — a small zip writer for the arcade's API tests: every field of
// an entry under the test's control (raw name bytes, the unix mode in the
// external attributes, the encryption flag), so each rule of a bundle can
// be broken on purpose, which a careful writer (Python's zipfile, libzip)
// will not always do. Entries are deflated (zlib) or, when empty, stored.
//   zip([{ name: 'game.py', data: 'print(1)' },
//        { name: 'assets/', dir: true },
//        { name: 'link', data: 'target', mode: 0o120777 },
//        { name: Buffer.from([0xff, 0x2e, 0x70, 0x79]), data: '' },
//        { name: 'secret.py', data: 'x', encrypted: true }])  -> Buffer
import { deflateRawSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function header(fields) {
  const size = fields.reduce((n, [bytes]) => n + bytes, 0);
  const b = Buffer.alloc(size);
  let at = 0;
  for (const [bytes, v] of fields) {
    if (bytes === 2) b.writeUInt16LE(v, at);
    else b.writeUInt32LE(v >>> 0, at);
    at += bytes;
  }
  return b;
}

export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name, 'utf8');
    const raw = e.dir ? Buffer.alloc(0) : Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '', 'utf8');
    const method = raw.length > 0 ? 8 : 0;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = crc32(raw);
    const mode = e.mode ?? (e.dir ? S_IFDIR | 0o755 : S_IFREG | 0o644);
    // bit 0: encrypted; bit 11: the name is UTF-8 (only when asked)
    const flags = (e.encrypted ? 0x1 : 0) | (e.utf8Flag ? 0x800 : 0);
    const local = header([
      [4, 0x04034b50], [2, 20], [2, flags], [2, method], [2, 0], [2, 0x21],
      [4, crc], [4, body.length], [4, raw.length], [2, name.length], [2, 0],
    ]);
    const central = header([
      [4, 0x02014b50], [2, (3 << 8) | 20], [2, 20], [2, flags], [2, method], [2, 0], [2, 0x21],
      [4, crc], [4, body.length], [4, raw.length], [2, name.length], [2, 0], [2, 0],
      [2, 0], [2, 0], [4, (mode << 16) >>> 0], [4, offset],
    ]);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = header([
    [4, 0x06054b50], [2, 0], [2, 0], [2, entries.length], [2, entries.length],
    [4, cd.length], [4, offset], [2, 0],
  ]);
  return Buffer.concat([...locals, cd, end]);
}
