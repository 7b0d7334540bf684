#!/usr/bin/python3
# ansi2png.py IN.txt OUT.png COLS ROWS: render a terminal capture
# (tmux capture-pane -e -p: text with SGR sequences) to a PNG, for the
# screenshots in docs/. Needs python3-pil and fonts-dejavu-core.
import re, sys
from PIL import Image, ImageDraw, ImageFont

src, dst, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
font, bold = ImageFont.truetype(FONT, 15), ImageFont.truetype(BOLD, 15)
cw = int(font.getlength("M") + 0.5)
ch = 19
PAL = [(30, 30, 30), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200),
       (188, 63, 188), (17, 168, 205), (229, 229, 229)]
FG, BG = (220, 220, 220), (24, 24, 28)
img = Image.new("RGB", (cols * cw + 16, rows * ch + 16), BG)
d = ImageDraw.Draw(img)
lines = open(src, encoding="utf-8", errors="replace").read().split("\n")
for y, line in enumerate(lines[:rows]):
    st = {"fg": None, "bg": None, "b": False, "dim": False, "u": False, "rev": False}
    x = 0
    for tok in re.split(r"(\x1b\[[0-9;]*m)", line):
        if tok.startswith("\x1b["):
            for c in (tok[2:-1] or "0").split(";"):
                c = int(c or 0)
                if c == 0: st = {"fg": None, "bg": None, "b": False, "dim": False, "u": False, "rev": False}
                elif c == 1: st["b"] = True
                elif c == 2: st["dim"] = True
                elif c == 22: st["b"] = st["dim"] = False
                elif c == 4: st["u"] = True
                elif c == 24: st["u"] = False
                elif c == 7: st["rev"] = True
                elif c == 27: st["rev"] = False
                elif 30 <= c <= 37: st["fg"] = PAL[c - 30]
                elif c == 39: st["fg"] = None
                elif 40 <= c <= 47: st["bg"] = PAL[c - 40]
                elif c == 49: st["bg"] = None
            continue
        for chr_ in tok:
            fg, bg = st["fg"] or FG, st["bg"] or BG
            if st["rev"]: fg, bg = bg, fg
            if st["dim"]: fg = tuple(int(v * 0.55 + b * 0.45) for v, b in zip(fg, bg))
            px, py = 8 + x * cw, 8 + y * ch
            d.rectangle([px, py, px + cw, py + ch], fill=bg)
            d.text((px, py + 1), chr_, font=bold if st["b"] else font, fill=fg)
            if st["u"]: d.line([px, py + ch - 2, px + cw, py + ch - 2], fill=fg)
            x += 1
img.save(dst)
