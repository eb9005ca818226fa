#!/usr/bin/python3
"""Build the compact training pack for the SPGD Studio default prior.

Input : photos extracted by training/fetch_data.sh into training/data/extract/
        plus public-domain / CC0 colour photos from scikit-image's data folder.
Output: training/data/pack/pack.npz  (+ pack.json, the manifest with sources/licences)

Every photo is stored at several antialiased (PIL LANCZOS) downscales chosen by
*short side* (256, 384, 576 px), so that a 128x128 training crop covers between
~1/2 and ~1/4.5 of the scene's short side -- the range of scales of the
evaluation images (CBSD68 crops) -- and every photo contributes roughly the same
number of pixels regardless of its original resolution.  Scales larger than the
original are skipped; a photo whose short side is below 576 is also stored at its
native size.

Storage: each image version is uint8 HxWx3, encoded as a horizontal byte delta
(x[:, j] - x[:, j-1] mod 256, like PNG's "Sub" filter) and LZMA-compressed (stdlib lzma), so
the pack is lossless and decodes with numpy + the Python stdlib only (the GPU
machine has no PIL guarantee).  Decode with `load_pack()` below.
"""
import json
import os
import sys
import lzma

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXTRACT = os.path.join(HERE, "data", "extract")
PACK_DIR = os.path.join(HERE, "data", "pack")
SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"
SHORT_SIDES = (256, 384, 576)

# (package, path inside the extracted package, author, licence as given by the
#  package's debian/copyright or per-wallpaper metadata)
L16 = "usr/share/backgrounds/"
MATE = "usr/share/backgrounds/mate/nature/"
PAL = "usr/share/palapeli/collection/"
PW = "usr/share/wallpapers/"
SOURCES = [
    # lomiri-wallpapers-16.04 (debian/copyright, per file)
    ("lomiri-wallpapers-16.04", L16 + "Bridge_by_Sander_Klootwijk.jpg", "Sander Klootwijk", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "Dragonfly_by_Bolly.jpg", "\"Bolly\"", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "Picture_0B_by_freespace.jpg", "Trevor \"Freespace\"", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "Picture_1A_by_freespace.jpg", "Trevor \"Freespace\"", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "Wine_by_Jakkub_Mede.jpg", "Jakub Mede", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "aitzgorri_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "analogpattern_by_Peter_Nerlich.jpg", "Peter Nerlich", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "free_by_Peter_Nerlich.jpg", "Peter Nerlich", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "friends_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "greentock_by_Peter_Nerlich.jpg", "Peter Nerlich", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "life_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "picosdeeuropa_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", L16 + "seeding_by_Clements_Engelhardt.jpg", "Clemens Engelhardt", "CC0-1.0"),
    ("lomiri-wallpapers-16.04", L16 + "sunset_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    # lomiri-wallpapers-20.04 (the only photo of the four; the others are digital art)
    ("lomiri-wallpapers-20.04", L16 + "Kleiber_by_Lukas_Baubkus.jpg", "Lukas Baubkus", "CC-BY-SA-3.0"),
    # mate-backgrounds, nature/ (debian/copyright, per file)
    ("mate-backgrounds", MATE + "Aqua.jpg", "Charles Barbin", "GPL-2+"),
    ("mate-backgrounds", MATE + "Blinds.jpg", "Lennart Poettering", "GPL-2+"),
    ("mate-backgrounds", MATE + "Dune.jpg", "Marco Cogoni", "GPL-2+"),
    ("mate-backgrounds", MATE + "Garden.jpg", "Charles Barbin", "GPL-2+"),
    ("mate-backgrounds", MATE + "GreenMeadow.jpg", "Timothy Schellhase", "GPL-2+"),
    ("mate-backgrounds", MATE + "LadyBird.jpg", "Charles Barbin", "GPL-2+"),
    ("mate-backgrounds", MATE + "RainDrops.jpg", "\"blackcombwhistler07\"", "GPL-2+"),
    ("mate-backgrounds", MATE + "Storm.jpg", "Sergey Nazarov", "GPL-2+"),
    ("mate-backgrounds", MATE + "TwoWings.jpg", "Charles Barbin", "GPL-2+"),
    ("mate-backgrounds", MATE + "Wood.jpg", "Jean-Francois Fortin Tam", "GPL-2+"),
    ("mate-backgrounds", MATE + "YellowFlower.jpg", "Charles Barbin", "GPL-2+"),
    # palapeli-data (debian/copyright "Files: *" GPL-2+; authors from the .desktop files)
    ("palapeli-data", PAL + "castle-maintenon.jpg", "Eric Pouhier", "GPL-2+"),
    ("palapeli-data", PAL + "cincinnati-bridge.jpg", "Derek Jensen", "GPL-2+"),
    ("palapeli-data", PAL + "citrus-fruits.jpg", "US Department of Agriculture", "GPL-2+"),
    ("palapeli-data", PAL + "european-honey-bee.jpg", "John Severns", "GPL-2+"),
    ("palapeli-data", PAL + "panther-chameleon-female.jpg", "B. Navez and others", "GPL-2+"),
    # plasma-workspace-wallpapers: photographic wallpapers only (per-wallpaper
    # metadata.json says LGPLv3; debian/copyright "Files: *" says GPL-2+)
    ("plasma-workspace-wallpapers", PW + "BytheWater/contents/images/2560x1600.jpg", "Maciej Wiklo", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "ColdRipple/contents/images/2560x1600.jpg", "Risto Saukonpaa", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "ColorfulCups/contents/images/2560x1600.jpg", "Dmitri Popov", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "DarkestHour/contents/images/2560x1600.jpg", "Risto Saukonpaa", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "EveningGlow/contents/images/2560x1600.jpg", "Ian Hex", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "FallenLeaf/contents/images/2560x1600.jpg", "Martin Klapetek", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "Grey/contents/images/2560x1600.jpg", "Sigi Sagi", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "Kite/contents/images/2560x1600.jpg", "Risto Saukonpaa", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "OneStandsOut/contents/images/2560x1600.jpg", "Risto Saukonpaa", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "Path/contents/images/2560x1600.jpg", "Risto Saukonpaa", "LGPL-3"),
    ("plasma-workspace-wallpapers", PW + "summer_1am/contents/images/2560x1600.jpg", "Risto Saukonpaa", "LGPL-3"),
    # scikit-image data folder: colour photos marked public domain / CC0 in
    # skimage/data/_fetchers.py docstrings (README.txt there lists no licences)
    ("skimage", "astronaut.png", "NASA (Eileen Collins)", "public domain"),
    ("skimage", "chelsea.png", "Stefan van der Walt", "CC0"),
    ("skimage", "coffee.png", "Rachel Michetti", "CC0"),
    ("skimage", "rocket.jpg", "SpaceX", "public domain"),
    ("skimage", "hubble_deep_field.jpg", "NASA", "public domain"),
]


def encode(img):
    d = img.copy()
    d[:, 1:] = img[:, 1:] - img[:, :-1]  # uint8 wraps mod 256
    return np.frombuffer(lzma.compress(np.ascontiguousarray(d).tobytes(), preset=6), np.uint8)


def decode(buf, shape):
    d = np.frombuffer(lzma.decompress(buf.tobytes()), np.uint8).reshape(shape)
    return np.cumsum(d, axis=1, dtype=np.uint8)


def load_pack(path):
    """Returns a list of uint8 HxWx3 arrays (all versions of all photos)."""
    z = np.load(path)
    shapes = z["shapes"]
    return [decode(z[f"img{i}"], tuple(shapes[i])) for i in range(len(shapes))]


def main():
    from PIL import Image
    Image.MAX_IMAGE_PIXELS = None
    os.makedirs(PACK_DIR, exist_ok=True)
    arrays, shapes, manifest = {}, [], []
    total_mp = 0.0
    for pkg, rel, author, lic in SOURCES:
        path = os.path.join(SKIMAGE_DATA, rel) if pkg == "skimage" else os.path.join(EXTRACT, pkg, rel)
        if not os.path.exists(path):
            print(f"WARNING: missing {path} (package not fetched?) -- skipped", file=sys.stderr)
            continue
        im = Image.open(path).convert("RGB")
        W, H = im.size
        total_mp += W * H / 1e6
        s0 = min(W, H)
        targets = [s for s in SHORT_SIDES if s <= s0]
        if s0 < SHORT_SIDES[-1]:
            targets.append(s0)
        versions = []
        for s in targets:
            f = s / s0
            w, h = max(1, round(W * f)), max(1, round(H * f))
            v = im if (w, h) == (W, H) else im.resize((w, h), Image.LANCZOS)
            a = np.asarray(v, dtype=np.uint8)
            k = len(shapes)
            arrays[f"img{k}"] = encode(a)
            shapes.append(a.shape)
            versions.append([h, w])
        manifest.append(dict(package=pkg, file=rel, author=author, license=lic,
                             size=[W, H], versions_hw=versions))
        print(f"{pkg:28s} {(rel.split('/')[3] if pkg == 'plasma-workspace-wallpapers' else os.path.basename(rel)):40s} {W}x{H} -> {versions}")
    np.savez(os.path.join(PACK_DIR, "pack.npz"), shapes=np.array(shapes, np.int32), **arrays)
    raw = sum(int(np.prod(s)) for s in shapes)
    size = os.path.getsize(os.path.join(PACK_DIR, "pack.npz"))
    info = dict(photos=len(manifest), source_megapixels=round(total_mp, 1), versions=len(shapes),
                short_sides=SHORT_SIDES, raw_bytes=raw, pack_bytes=size, photos_list=manifest)
    with open(os.path.join(PACK_DIR, "pack.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"{len(manifest)} photos, {total_mp:.1f} source MP, {len(shapes)} versions, "
          f"raw {raw/1e6:.1f} MB -> pack {size/1e6:.1f} MB")


if __name__ == "__main__":
    main()
