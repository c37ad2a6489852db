// Raster images we agree to show for a relying party (OpenID UI Extension 1.0 §6: the OP "SHOULD
// proxy the icons after performing appropriate sanitization"): PNG, JPEG, GIF and WebP only, the
// declared Content-Type and the file's own signature agreeing, and a size read from the header
// that is neither zero nor huge (a few bytes can announce a 60000×60000 image a browser would
// then decode). SVG is never accepted: it is a document, with script and external references.
// Pure functions over bytes; no decoder runs here, the header fields are read by offset.

export type RasterType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export const RASTER_TYPES: readonly RasterType[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** Largest width and height accepted, in pixels. */
export const MAX_ICON_DIMENSION = 1024;

export interface RasterImage {
  readonly type: RasterType;
  readonly width: number;
  readonly height: number;
}

export type RasterRefusal = 'content_type' | 'signature' | 'dimensions';

/** The media type of a Content-Type value, if it is one of ours (parameters ignored). */
export function rasterTypeOf(contentType: string | undefined): RasterType | undefined {
  const type = contentType?.split(';')[0]!.trim().toLowerCase();
  return RASTER_TYPES.find((t) => t === type);
}

/**
 * Checks `body` served as `contentType`: the image, or why it is refused. Only the header of the
 * file is read (at most a JPEG's markers up to its frame header).
 */
export function checkRasterImage(body: Buffer, contentType: string | undefined): RasterImage | RasterRefusal {
  const type = rasterTypeOf(contentType);
  if (type === undefined) return 'content_type';
  const size = dimensions(type, body);
  if (size === undefined) return 'signature';
  const { width, height } = size;
  if (width < 1 || height < 1 || width > MAX_ICON_DIMENSION || height > MAX_ICON_DIMENSION) return 'dimensions';
  return { type, width, height };
}

function dimensions(type: RasterType, body: Buffer): { width: number; height: number } | undefined {
  switch (type) {
    case 'image/png':
      return png(body);
    case 'image/gif':
      return gif(body);
    case 'image/jpeg':
      return jpeg(body);
    case 'image/webp':
      return webp(body);
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG (RFC 2083 §3.1, §4.1.1): the signature, then IHDR first, width and height big-endian. */
function png(body: Buffer): { width: number; height: number } | undefined {
  if (body.length < 24 || !body.subarray(0, 8).equals(PNG_SIGNATURE) || body.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: body.readUInt32BE(16), height: body.readUInt32BE(20) };
}

/** GIF (GIF89a §17-18): "GIF87a" or "GIF89a", then the logical screen size, little-endian. */
function gif(body: Buffer): { width: number; height: number } | undefined {
  if (body.length < 10) return undefined;
  const signature = body.toString('latin1', 0, 6);
  if (signature !== 'GIF87a' && signature !== 'GIF89a') return undefined;
  return { width: body.readUInt16LE(6), height: body.readUInt16LE(8) };
}

/**
 * JPEG (ITU T.81 Annex B): SOI, then marker segments up to the first frame header (SOF0-SOF15
 * except DHT, JPG and DAC), whose height and width follow the precision byte. Linear in the file.
 */
function jpeg(body: Buffer): { width: number; height: number } | undefined {
  if (body.length < 4 || body[0] !== 0xff || body[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 4 <= body.length) {
    if (body[offset] !== 0xff) return undefined;
    const marker = body[offset + 1]!;
    // Fill bytes (B.1.1.2) before a marker.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    // Markers without a length: TEM, RST0-7 (SOI again or EOI before a frame: not an image).
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    const length = body.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (offset + 9 > body.length) return undefined;
      return { height: body.readUInt16BE(offset + 5), width: body.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

/**
 * WebP (RFC 9649 §2.5-2.7): a RIFF "WEBP" container whose first chunk is VP8 (lossy: 14-bit
 * sizes after the key-frame start code), VP8L (lossless: 14-bit sizes minus one after the 0x2f
 * signature) or VP8X (extended: 24-bit canvas sizes minus one).
 */
function webp(body: Buffer): { width: number; height: number } | undefined {
  if (body.length < 30 || body.toString('latin1', 0, 4) !== 'RIFF' || body.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  switch (body.toString('latin1', 12, 16)) {
    case 'VP8 ':
      if (body[23] !== 0x9d || body[24] !== 0x01 || body[25] !== 0x2a) return undefined;
      return { width: body.readUInt16LE(26) & 0x3fff, height: body.readUInt16LE(28) & 0x3fff };
    case 'VP8L': {
      if (body[20] !== 0x2f) return undefined;
      const bits = body.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X':
      return { width: body.readUIntLE(24, 3) + 1, height: body.readUIntLE(27, 3) + 1 };
    default:
      return undefined;
  }
}

/** The checked image as a data: URL (RFC 2397), for an <img> on our own page. */
export function dataUrl(image: RasterImage, body: Buffer): string {
  return `data:${image.type};base64,${body.toString('base64')}`;
}
