#!/usr/bin/python3
"""Builds the Vision decoder fixtures and their expected RGB bytes, with Pillow 9.4 as the oracle.

Run with Debian's Python (apt-get install -y python3-pil python3-numpy libjpeg-turbo-progs):  /usr/bin/python3 generate.py
Writes into this folder:
  png/, jpeg/, bmp/      encoded inputs (crafted byte by byte where Pillow cannot write the variant)
  expected/<name>.rgb    what detectron2.data.detection_utils.read_image(path, "RGB") returns, as raw bytes:
                         Image.open -> EXIF transpose (detectron2's _apply_exif_orientation table) -> convert("RGB")
  manifest.tsv           input path, width, height, expected path (one fixture per line)
Deterministic: a fixed numpy seed; Pillow's encoders are deterministic for these settings.
"""
import io
import os
import struct
import zlib

import numpy as np
import PIL
from PIL import Image

assert PIL.__version__.startswith("9.4"), PIL.__version__
HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261122)
manifest = []


def detectron2_read_rgb(path):
    with open(path, "rb") as f:
        im = Image.open(f)
        try:
            exif = im.getexif()
        except Exception:
            exif = None
        orientation = exif.get(0x0112) if exif is not None else None
        method = {
            2: Image.Transpose.FLIP_LEFT_RIGHT,
            3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_270,
            7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90,
        }.get(orientation)
        if method is not None:
            im = im.transpose(method)
        return im.convert("RGB")


def record(rel):
    path = os.path.join(HERE, rel)
    rgb = detectron2_read_rgb(path)
    name = rel.replace("/", "_").rsplit(".", 1)[0] + ".rgb"
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    with open(os.path.join(HERE, "expected", name), "wb") as f:
        f.write(rgb.tobytes())
    manifest.append(f"{rel}\t{rgb.width}\t{rgb.height}\texpected/{name}")


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    record(rel)


# ---------------------------------------------------------------- PNG (crafted)
def chunk(ctype, body):
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(ftype, row, prev, bpp):
    out = bytearray(len(row))
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ftype]
        out[i] = (row[i] - pred) & 0xFF
    return bytes(out)


def pack_row(samples, depth):
    """samples: 1-D array of ints (already interleaved channels)."""
    if depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples)
    if depth == 8:
        return bytes(int(s) for s in samples)
    per = 8 // depth
    out = bytearray((len(samples) * depth + 7) // 8)
    for i, s in enumerate(samples):
        out[i // per] |= int(s) << (8 - depth - (i % per) * depth)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def make_png(samples, depth, color_type, interlace, extra_before=b"", extra_after=b"", plte=None):
    h, w, ch = samples.shape
    bpp = max(1, ch * depth // 8)
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    fcounter = 0
    for (x0, y0, dx, dy) in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = bytes(len(pack_row(sub[0].reshape(-1), depth)))
        for r in sub:
            row = pack_row(r.reshape(-1), depth)
            ftype = fcounter % 5  # every filter type in turn
            fcounter += 1
            raw += bytes([ftype]) + filter_row(ftype, row, prev, bpp)
            prev = row
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlace else 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra_before
    if plte is not None:
        out += chunk(b"PLTE", plte)
    comp = zlib.compress(bytes(raw), 9)
    # split the zlib stream across two IDAT chunks to exercise concatenation
    half = len(comp) // 2
    out += chunk(b"IDAT", comp[:half]) + chunk(b"IDAT", comp[half:]) + extra_after + chunk(b"IEND", b"")
    return out


W, H = 13, 11
palette = bytes(rng.integers(0, 256, size=256 * 3, dtype=np.uint8))
for color_type, depths in [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16])]:
    for depth in depths:
        for interlace in (0, 1):
            ch = CHANNELS[color_type]
            maxv = (1 << depth) - 1
            s = rng.integers(0, maxv + 1, size=(H, W, ch), dtype=np.int64)
            if depth == 16 and color_type == 0:
                s[::2] = rng.integers(0, 300, size=s[::2].shape)  # values around the 255 clip of mode "I"
            plte = palette[: 3 * (1 << depth)] if color_type == 3 else None
            name = f"png/ct{color_type}_d{depth}{'_adam7' if interlace else ''}.png"
            write(name, make_png(s, depth, color_type, interlace, plte=plte))

# palette shorter than the indices used (Pillow keeps its grey ramp for the rest), and no PLTE at all
s = rng.integers(0, 256, size=(H, W, 1))
write("png/ct3_d8_short_palette.png", make_png(s, 8, 3, 0, plte=palette[: 3 * 40]))
write("png/ct3_d8_no_palette.png", make_png(s, 8, 3, 0, plte=None))
# transparency chunks are ignored by convert("RGB")
write("png/ct3_d8_trns.png", make_png(s, 8, 3, 0, plte=palette, extra_before=chunk(b"tRNS", bytes(range(0, 250, 7)))))
s2 = rng.integers(0, 256, size=(H, W, 3))
trns_rgb = chunk(b"tRNS", struct.pack(">HHH", 1, 2, 3))
write("png/ct2_d8_trns.png", make_png(s2, 8, 2, 0, extra_before=trns_rgb))
# tiny images: passes of Adam7 that are empty
for (w, h) in [(1, 1), (3, 2), (2, 5)]:
    s = rng.integers(0, 256, size=(h, w, 3))
    write(f"png/ct2_d8_adam7_{w}x{h}.png", make_png(s, 8, 2, 1))
# text and private chunks around the image data; ancillary chunks after IDAT
text = chunk(b"tEXt", b"Comment\x00made by generate.py")
priv = chunk(b"prVt", b"\x00\x01\x02")
write("png/ct2_d8_chunks.png", make_png(s2, 8, 2, 0, extra_before=text + priv, extra_after=text))


# EXIF orientation in an eXIf chunk (before IDAT) and, for one, after IDAT
def tiff_orientation(value, little=True, typ=3):
    e = "<" if little else ">"
    head = (b"II*\x00" if little else b"MM\x00*") + struct.pack(e + "I", 8)
    entries = [(0x010F, 2, 4, b"cam\x00"), (0x0112, typ, 1, struct.pack(e + "H", value) + b"\x00\x00")]
    ifd = struct.pack(e + "H", len(entries))
    for tag, t, count, val in entries:
        ifd += struct.pack(e + "HHI", tag, t, count) + val
    return head + ifd + struct.pack(e + "I", 0)


s3 = rng.integers(0, 256, size=(3, 5, 3))
for o in range(1, 9):
    write(f"png/exif_orientation_{o}.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"eXIf", tiff_orientation(o, little=(o % 2 == 0)))))
write("png/exif_orientation_6_after_idat.png", make_png(s3, 8, 2, 0, extra_after=chunk(b"eXIf", tiff_orientation(6))))
write("png/exif_orientation_9_invalid.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"eXIf", tiff_orientation(9))))



# orientation from text chunks: ImageMagick's raw profile, XMP (plain and compressed iTXt), zTXt/tEXt "exif" keys
def raw_profile(tiff):
    h = tiff.hex()
    lines = [h[i:i + 72] for i in range(0, len(h), 72)]
    return ("\nexif\n%8d\n" % len(tiff) + "\n".join(lines) + "\n").encode("latin-1")


def xmp(value):
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="%d"/></rdf:RDF></x:xmpmeta>' % value).encode()


def itxt(key, text, compressed):
    body = text if not compressed else zlib.compress(text)
    return chunk(b"iTXt", key + b"\x00" + bytes([1 if compressed else 0, 0]) + b"\x00\x00" + body)


tiff_no_orientation = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHI", 0x010F, 2, 4) + b"cam\x00" + struct.pack("<I", 0)
write("png/text_raw_profile_exif_8.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"tEXt", b"Raw profile type exif\x00" + raw_profile(tiff_orientation(8)))))
write("png/text_xmp_itxt_6.png", make_png(s3, 8, 2, 0, extra_before=itxt(b"XML:com.adobe.xmp", xmp(6), False)))
write("png/text_xmp_itxt_compressed_3.png", make_png(s3, 8, 2, 0, extra_after=itxt(b"XML:com.adobe.xmp", xmp(3), True)))
write("png/text_xmp_after_exif_without_tag_5.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"eXIf", tiff_no_orientation) + itxt(b"XML:com.adobe.xmp", xmp(5), False)))
write("png/text_xmp_ignored_when_exif_has_tag.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"eXIf", tiff_orientation(1)) + itxt(b"XML:com.adobe.xmp", xmp(6), False)))
write("png/text_xmp_ignored_when_exif_not_tiff.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"eXIf", b"garbage!garbage!") + itxt(b"XML:com.adobe.xmp", xmp(6), False)))
write("png/text_ztxt_exif_key_7.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"zTXt", b"exif\x00\x00" + zlib.compress(tiff_orientation(7, little=False)))))
write("png/text_text_exif_key_2.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"tEXt", b"exif\x00" + tiff_orientation(2))))
write("png/exif_orientation_6_big_endian_long.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"eXIf", b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1) + struct.pack(">HHI", 0x0112, 4, 1) + struct.pack(">I", 6) + struct.pack(">I", 0))))
write("png/exif_orientation_rational_8.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"eXIf", b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 5, 1, 26) + struct.pack("<I", 0) + struct.pack("<II", 16, 2))))
write("png/exif_truncated_ifd_keeps_earlier_6.png", make_png(s3, 8, 2, 0, extra_before=chunk(b"eXIf", b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 5) + struct.pack("<HHI", 0x0112, 3, 1) + struct.pack("<HH", 6, 0) + struct.pack("<HHI", 0x010F, 2, 100) + struct.pack("<I", 4000))))

# ---------------------------------------------------------------- JPEG (Pillow's encoder)
yy, xx = np.mgrid[0:29, 0:37]
photo = np.stack([(xx * 7) % 256, (yy * 9) % 256, ((xx + yy) * 5) % 256], axis=-1).astype(np.int64)
photo = np.clip(photo + rng.integers(-20, 21, size=photo.shape), 0, 255).astype(np.uint8)
base = Image.fromarray(photo, "RGB")


def save_jpeg(rel, im, **kw):
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    write(rel, buf.getvalue())


save_jpeg("jpeg/rgb_420.jpg", base, quality=90, subsampling=2)
save_jpeg("jpeg/rgb_422.jpg", base, quality=85, subsampling=1)
save_jpeg("jpeg/rgb_444.jpg", base, quality=95, subsampling=0)
save_jpeg("jpeg/rgb_420_progressive.jpg", base, quality=80, progressive=True)
save_jpeg("jpeg/grey.jpg", base.convert("L"), quality=90)
save_jpeg("jpeg/cmyk.jpg", base.convert("CMYK"), quality=90)
for o in (3, 6, 8):
    exif = Image.Exif()
    exif[0x0112] = o
    save_jpeg(f"jpeg/rgb_420_exif_{o}.jpg", base, quality=90, exif=exif.tobytes())

# Sampling factors TurboJPEG 2.x has no TJSAMP_* type for (libjpeg and Pillow decode them): made with cjpeg
# (apt-get install -y libjpeg-turbo-progs) from the same picture.
import shutil
import subprocess
import tempfile

if shutil.which("cjpeg"):
    with tempfile.TemporaryDirectory() as tmp:
        ppm = os.path.join(tmp, "photo.ppm")
        base.save(ppm)
        for sample in ("1x2,1x1,1x1", "2x1,1x2,1x1", "3x1,1x1,1x1"):
            data = subprocess.run(["cjpeg", "-quality", "90", "-sample", sample, ppm], check=True, capture_output=True).stdout
            write("jpeg/sampling_%s.jpg" % sample.replace(",", "_"), data)
else:
    raise SystemExit("cjpeg not found: apt-get install -y libjpeg-turbo-progs")

# ---------------------------------------------------------------- BMP
bmp_src = Image.fromarray(rng.integers(0, 256, size=(7, 9, 3), dtype=np.uint8), "RGB")


def save_bmp(rel, im):
    buf = io.BytesIO()
    im.save(buf, "BMP")
    write(rel, buf.getvalue())


save_bmp("bmp/rgb24.bmp", bmp_src)
save_bmp("bmp/p8.bmp", bmp_src.convert("P", palette=Image.Palette.ADAPTIVE, colors=50))
save_bmp("bmp/l8.bmp", bmp_src.convert("L"))
save_bmp("bmp/bilevel.bmp", bmp_src.convert("1"))


def craft_bmp(w, h, bits, rows_bytes, compression=0, masks=None, palette_bytes=b"", top_down=False, header_size=40):
    """rows_bytes: list of unpadded file rows in file order."""
    stride = ((w * bits + 31) >> 3) & ~3
    pix = b"".join(r + b"\x00" * (stride - len(r)) for r in rows_bytes)
    if header_size == 12:
        info = struct.pack("<IHHHH", 12, w, h, 1, bits)
        extra = b""
    else:
        info = struct.pack("<IiiHHIIiiII", header_size, w, -h if top_down else h, 1, bits, compression, len(pix), 2835, 2835, 0, 0)
        if header_size > 40:
            m = masks or (0, 0, 0, 0)
            info += struct.pack("<IIII", *m) + b"\x00" * (header_size - 56)
            extra = b""
        else:
            extra = struct.pack("<III", *masks[:3]) if masks else b""
    offset = 14 + len(info) + len(extra) + len(palette_bytes)
    head = b"BM" + struct.pack("<IHHI", offset + len(pix), 0, 0, offset)
    return head + info + extra + palette_bytes + pix


arr = np.asarray(bmp_src)
h, w = arr.shape[:2]
bgr_rows = [bytes(arr[y, :, ::-1].reshape(-1)) for y in range(h)]
write("bmp/rgb24_topdown.bmp", craft_bmp(w, h, 24, bgr_rows, top_down=True))
write("bmp/rgb24_bottomup.bmp", craft_bmp(w, h, 24, bgr_rows[::-1]))
bgrx = [bytes(np.concatenate([arr[y, :, ::-1], np.full((w, 1), 77, np.uint8)], axis=1).reshape(-1)) for y in range(h)]
write("bmp/bgrx32.bmp", craft_bmp(w, h, 32, bgrx[::-1]))
write("bmp/bgrx32_bitfields.bmp", craft_bmp(w, h, 32, bgrx[::-1], compression=3, masks=(0xFF0000, 0xFF00, 0xFF)))
xbgr = [bytes(np.concatenate([np.full((w, 1), 5, np.uint8), arr[y, :, ::-1]], axis=1).reshape(-1)) for y in range(h)]
write("bmp/xbgr32_bitfields_v4.bmp", craft_bmp(w, h, 32, xbgr[::-1], compression=3, masks=(0xFF000000, 0xFF0000, 0xFF00, 0), header_size=108))
rgba = [bytes(np.concatenate([arr[y], np.full((w, 1), 200, np.uint8)], axis=1).reshape(-1)) for y in range(h)]
write("bmp/rgba32_bitfields_v5.bmp", craft_bmp(w, h, 32, rgba[::-1], compression=3, masks=(0xFF, 0xFF00, 0xFF0000, 0xFF000000), header_size=124))
p555 = [b"".join(struct.pack("<H", ((int(r) >> 3) << 10) | ((int(g) >> 3) << 5) | (int(b) >> 3)) for r, g, b in arr[y]) for y in range(h)]
write("bmp/rgb555.bmp", craft_bmp(w, h, 16, p555[::-1]))
p565 = [b"".join(struct.pack("<H", ((int(r) >> 3) << 11) | ((int(g) >> 2) << 5) | (int(b) >> 3)) for r, g, b in arr[y]) for y in range(h)]
write("bmp/rgb565_bitfields.bmp", craft_bmp(w, h, 16, p565[::-1], compression=3, masks=(0xF800, 0x7E0, 0x1F)))
pal16 = bytes(rng.integers(0, 256, size=16 * 4, dtype=np.uint8))
idx4 = rng.integers(0, 16, size=(h, w))
rows4 = [bytes(((int(r[i]) << 4) | (int(r[i + 1]) if i + 1 < w else 0)) for i in range(0, w, 2)) for r in idx4]
write("bmp/p4.bmp", craft_bmp(w, h, 4, rows4[::-1], palette_bytes=pal16))
pal_os2 = bytes(rng.integers(0, 256, size=256 * 3, dtype=np.uint8))
idx8 = rng.integers(0, 256, size=(h, w))
write("bmp/p8_os2.bmp", craft_bmp(w, h, 8, [bytes(int(v) for v in r) for r in idx8[::-1]], palette_bytes=pal_os2, header_size=12))

# ---------------------------------------------------------------- resize (Image.resize BILINEAR on uint8 RGB)
yy, xx = np.mgrid[0:29, 0:41]
smooth = np.stack([(xx * 6) % 256, (yy * 8) % 256, 255 - (xx + yy) * 3], axis=-1)
resize_src = np.clip(smooth + rng.integers(-30, 31, size=smooth.shape), 0, 255).astype(np.uint8)
os.makedirs(os.path.join(HERE, "resize"), exist_ok=True)
with open(os.path.join(HERE, "resize", "source_41x29.rgb"), "wb") as f:
    f.write(resize_src.tobytes())
resize_lines = []
for (nw, nh) in [(20, 14), (13, 9), (7, 5), (1, 1), (100, 70), (41, 60), (80, 29), (41, 29), (30, 40), (123, 11)]:
    out = Image.fromarray(resize_src, "RGB").resize((nw, nh), Image.BILINEAR)
    name = f"resize/bilinear_{nw}x{nh}.rgb"
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out.tobytes())
    resize_lines.append(f"resize/source_41x29.rgb\t41\t29\t{nw}\t{nh}\t{name}")
with open(os.path.join(HERE, "resize.tsv"), "w") as f:
    f.write("\n".join(resize_lines) + "\n")

# ---------------------------------------------------------------- golden shapes_test PNGs: SHA-256 of Pillow's RGB
import hashlib

golden = os.environ.get("GOLDEN_DIR") or os.path.join(HERE, "..", "..", "..", "..", "shared", "golden")
shapes = os.path.join(golden, "shapes_test")
golden_lines = []
for fname in sorted(f for f in os.listdir(shapes) if f.endswith(".png")):
    rgb = detectron2_read_rgb(os.path.join(shapes, fname))
    # and of detectron2's test-time resize at the shipped MIN_SIZE_TEST 800 / MAX_SIZE_TEST 1333
    h, w = rgb.height, rgb.width
    scale = 800.0 / min(h, w)
    newh, neww = (800.0, scale * w) if h < w else (scale * h, 800.0)
    if max(newh, neww) > 1333:
        scale = 1333 * 1.0 / max(newh, neww)
        newh, neww = newh * scale, neww * scale
    newh, neww = int(newh + 0.5), int(neww + 0.5)
    resized = rgb.resize((neww, newh), Image.BILINEAR)
    golden_lines.append(
        f"{fname}\t{rgb.width}\t{rgb.height}\t{hashlib.sha256(rgb.tobytes()).hexdigest()}"
        f"\t{neww}\t{newh}\t{hashlib.sha256(resized.tobytes()).hexdigest()}"
    )
with open(os.path.join(HERE, "golden_shapes_rgb_sha256.tsv"), "w") as f:
    f.write("\n".join(golden_lines) + "\n")

# RLE8 / RLE4 (Pillow 9.4 cannot write them): runs, absolute runs (odd lengths exercise the 16-bit alignment),
# end-of-line padding and a delta (Pillow's decoder reads 4 bytes for it).
def craft_rle_bmp(w, h, bits, compression, stream, palette_bytes):
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bits, compression, len(stream), 2835, 2835, len(palette_bytes) // 4, 0)
    offset = 14 + len(info) + len(palette_bytes)
    return b"BM" + struct.pack("<IHHI", offset + len(stream), 0, 0, offset) + info + palette_bytes + stream


pal256 = bytes(rng.integers(0, 256, size=256 * 4, dtype=np.uint8))
rle8 = bytearray()
rle8 += bytes([5, 17, 0, 3, 200, 201, 202, 0, 4, 9])  # row 0: run of 5, absolute 3 (+pad byte), run 4 (clipped to 12)
rle8 += bytes([0, 0])  # end of line (row 0 already full at 12)
rle8 += bytes([3, 250, 0, 0])  # row 1: 3 pixels then end of line pads 9 zeros
rle8 += bytes([0, 2, 9, 9, 2, 1])  # delta: Pillow skips "9 9" and uses right=2, up=1
rle8 += bytes([10, 77, 0, 0]) + bytes([12, 78, 0, 0] * 3)  # x is only reset by end of line or delta
rle8 += bytes([0, 1])
write("bmp/rle8.bmp", craft_rle_bmp(12, 6, 8, 1, bytes(rle8), pal256))
pal16b = bytes(rng.integers(0, 256, size=16 * 4, dtype=np.uint8))
rle4 = bytearray()
rle4 += bytes([7, 0x3C, 0, 5, 0x12, 0x34, 0x56, 0x00])  # run of 7 alternating 3/C; absolute 5 -> Pillow reads 2 bytes
rle4 += bytes([0, 0])
rle4 += bytes([10, 0xF1, 0, 0])
rle4 += bytes([0, 0]) + bytes([10, 0x27, 0, 0] * 6)
rle4 += bytes([0, 1])
write("bmp/rle4.bmp", craft_rle_bmp(10, 5, 4, 2, bytes(rle4), pal16b))

with open(os.path.join(HERE, "manifest.tsv"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print(len(manifest), "fixtures")
