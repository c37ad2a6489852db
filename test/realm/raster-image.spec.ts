import { checkRasterImage, dataUrl, MAX_ICON_DIMENSION, rasterTypeOf } from '../../src/realm/raster-image.js';

// The RP icon check (OpenID UI Extension 1.0 §6 "appropriate sanitization"): the declared type
// is one of four raster formats, the bytes carry that format's signature, and the size read from
// the header is sane. Files are built by hand, field by field, from each format's specification.

function png(width: number, height: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

function gif(width: number, height: number, version = 'GIF89a'): Buffer {
  const b = Buffer.alloc(13);
  b.write(version, 0, 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b;
}

/** SOI, an APP0 (JFIF) segment, fill bytes, then an SOF0 frame header (ITU T.81 B.2.2). */
function jpeg(width: number, height: number, frameMarker = 0xc0): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.alloc(19);
  sof.set([0xff, frameMarker, 0x00, 0x11, 0x08], 0);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, Buffer.from([0xff]), sof]);
}

function riff(chunk: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(12 + payload.length, 4);
  head.write('WEBP', 8, 'latin1');
  head.write(chunk, 12, 'latin1');
  head.writeUInt32LE(payload.length, 16);
  return Buffer.concat([head, payload, Buffer.alloc(16)]);
}

/** RFC 9649 §2.5: frame tag (3 bytes), start code 9d 01 2a, 14-bit width and height. */
const webpLossy = (width: number, height: number): Buffer => {
  const p = Buffer.alloc(10);
  p.set([0x9d, 0x01, 0x2a], 3);
  p.writeUInt16LE(width, 6);
  p.writeUInt16LE(height, 8);
  return riff('VP8 ', p);
};
/** RFC 9649 §2.6: signature 0x2f, then width-1 and height-1 in 14 bits each. */
const webpLossless = (width: number, height: number): Buffer => {
  const p = Buffer.alloc(5);
  p[0] = 0x2f;
  p.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  return riff('VP8L', p);
};
/** RFC 9649 §2.7: flags, reserved, then canvas width-1 and height-1 in 24 bits each. */
const webpExtended = (width: number, height: number): Buffer => {
  const p = Buffer.alloc(10);
  p.writeUIntLE(width - 1, 4, 3);
  p.writeUIntLE(height - 1, 7, 3);
  return riff('VP8X', p);
};

describe('checkRasterImage', () => {
  it.each([
    ['PNG (RFC 2083 §3.1 signature, IHDR)', png(16, 32), 'image/png', 16, 32],
    ['GIF89a', gif(48, 48), 'image/gif', 48, 48],
    ['GIF87a', gif(1, 2, 'GIF87a'), 'image/gif', 1, 2],
    ['JPEG baseline (SOF0) after APP0 and a fill byte', jpeg(64, 40), 'image/jpeg', 64, 40],
    ['JPEG progressive (SOF2)', jpeg(20, 10, 0xc2), 'image/jpeg; charset=binary', 20, 10],
    ['WebP lossy (VP8)', webpLossy(120, 90), 'image/webp', 120, 90],
    ['WebP lossless (VP8L)', webpLossless(300, 200), 'IMAGE/WEBP', 300, 200],
    ['WebP extended (VP8X)', webpExtended(1024, 1), 'image/webp', 1024, 1],
  ])('accepts %s', (_title, body, contentType, width, height) => {
    expect(checkRasterImage(body, contentType)).toEqual({ type: contentType.split(';')[0]!.toLowerCase(), width, height });
  });

  it.each([
    ['SVG (a document, with script)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml', 'content_type'],
    ['an icon file', Buffer.from([0, 0, 1, 0, 1, 0]), 'image/x-icon', 'content_type'],
    ['HTML', Buffer.from('<html>'), 'text/html', 'content_type'],
    ['no Content-Type', png(16, 16), undefined, 'content_type'],
    ['PNG bytes declared as GIF', png(16, 16), 'image/gif', 'signature'],
    ['GIF bytes declared as PNG', gif(16, 16), 'image/png', 'signature'],
    ['SVG declared as PNG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png', 'signature'],
    ['a truncated PNG', png(16, 16).subarray(0, 20), 'image/png', 'signature'],
    ['a JPEG without a frame header', Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0, 0]), 'image/jpeg', 'signature'],
    ['a JPEG whose segment is cut', jpeg(16, 16).subarray(0, 28), 'image/jpeg', 'signature'],
    ['a RIFF that is not WebP', Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.alloc(20)]), 'image/webp', 'signature'],
    ['a PNG of 0 pixels', png(0, 16), 'image/png', 'dimensions'],
    [`a PNG wider than ${MAX_ICON_DIMENSION}`, png(MAX_ICON_DIMENSION + 1, 16), 'image/png', 'dimensions'],
    ['a "decompression bomb" PNG header (60000×60000)', png(60_000, 60_000), 'image/png', 'dimensions'],
    ['a WebP canvas of 5000×5000', webpExtended(5000, 5000), 'image/webp', 'dimensions'],
  ])('refuses %s', (_title, body, contentType, reason) => {
    expect(checkRasterImage(body, contentType)).toBe(reason);
  });

  it('reads the media type without its parameters, case-insensitively', () => {
    expect(rasterTypeOf(' Image/PNG ; q=1')).toBe('image/png');
    expect(rasterTypeOf('image/pngx')).toBeUndefined();
  });

  it('serves the checked bytes as a data: URL (RFC 2397)', () => {
    const body = png(1, 1);
    const image = checkRasterImage(body, 'image/png');
    expect(typeof image).toBe('object');
    expect(dataUrl(image as Exclude<typeof image, string>, body)).toBe(`data:image/png;base64,${body.toString('base64')}`);
  });
});
