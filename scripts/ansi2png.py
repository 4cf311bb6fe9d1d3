#!/usr/bin/env python3
"""Render a terminal capture (tmux capture-pane -e -p) to a PNG.

Usage: ansi2png.py CAPTURE.ans OUT.png [--cols N --rows N]

Understands the SGR sequences tmux emits: reset, bold, reverse, the 16/256-colour and
24-bit foreground/background forms. Needs Pillow and the DejaVu Sans Mono font
(Debian: fonts-dejavu-core; pip install pillow).
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 16
DEFAULT_FG = (220, 220, 220)
DEFAULT_BG = (24, 24, 28)
BASE16 = [
    (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]


def color256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return (levels[n // 36], levels[(n // 6) % 6], levels[n % 6])
    gray = 8 + (n - 232) * 10
    return (gray, gray, gray)


def parse(text, cols, rows):
    """Returns rows of cells: (char, fg, bg, bold)."""
    grid = [[(" ", DEFAULT_FG, DEFAULT_BG, False) for _ in range(cols)] for _ in range(rows)]
    fg, bg, bold, reverse = DEFAULT_FG, DEFAULT_BG, False, False
    for y, line in enumerate(text.split("\n")[:rows]):
        x = 0
        i = 0
        while i < len(line):
            m = re.match(r"\x1b\[([0-9;]*)m", line[i:])
            if m:
                params = [int(p) if p else 0 for p in m.group(1).split(";")] if m.group(1) else [0]
                k = 0
                while k < len(params):
                    p = params[k]
                    if p == 0:
                        fg, bg, bold, reverse = DEFAULT_FG, DEFAULT_BG, False, False
                    elif p == 1:
                        bold = True
                    elif p == 22:
                        bold = False
                    elif p == 7:
                        reverse = True
                    elif p == 27:
                        reverse = False
                    elif 30 <= p <= 37:
                        fg = BASE16[p - 30]
                    elif 90 <= p <= 97:
                        fg = BASE16[p - 90 + 8]
                    elif 40 <= p <= 47:
                        bg = BASE16[p - 40]
                    elif 100 <= p <= 107:
                        bg = BASE16[p - 100 + 8]
                    elif p == 39:
                        fg = DEFAULT_FG
                    elif p == 49:
                        bg = DEFAULT_BG
                    elif p in (38, 48) and k + 1 < len(params):
                        if params[k + 1] == 5 and k + 2 < len(params):
                            c = color256(params[k + 2])
                            k += 2
                        elif params[k + 1] == 2 and k + 4 < len(params):
                            c = tuple(params[k + 2:k + 5])
                            k += 4
                        else:
                            c = DEFAULT_FG if p == 38 else DEFAULT_BG
                        if p == 38:
                            fg = c
                        else:
                            bg = c
                    k += 1
                i += len(m.group(0))
                continue
            if line[i] == "\x1b":  # other escapes: skip
                m = re.match(r"\x1b\[[0-9;?]*[A-Za-z]", line[i:])
                i += len(m.group(0)) if m else 1
                continue
            if x < cols:
                f, b = (bg, fg) if reverse else (fg, bg)
                grid[y][x] = (line[i], f, b, bold)
            x += 1
            i += 1
    return grid


def render(grid, out):
    font = ImageFont.truetype(FONT, SIZE)
    bold_font = ImageFont.truetype(FONT_BOLD, SIZE)
    cell_w = int(round(font.getlength("M")))
    cell_h = int(SIZE * 1.25)
    rows, cols = len(grid), len(grid[0])
    pad = 12
    image = Image.new("RGB", (cols * cell_w + 2 * pad, rows * cell_h + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(grid):
        for x, (ch, fg, bg, bold) in enumerate(row):
            left, top = pad + x * cell_w, pad + y * cell_h
            if bg != DEFAULT_BG:
                draw.rectangle([left, top, left + cell_w - 1, top + cell_h - 1], fill=bg)
            code = ord(ch)
            if 0x2800 < code <= 0x28FF:
                # Braille: draw the 2x4 dots (the monospace font has no braille glyphs).
                bits = code - 0x2800
                positions = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)]
                dot = max(2, cell_w // 4)
                for bit, (column, row) in enumerate(positions):
                    if bits & (1 << bit):
                        cx = left + (column * 2 + 1) * cell_w // 4
                        cy = top + (row * 2 + 1) * cell_h // 8
                        draw.rectangle([cx - dot // 2, cy - dot // 2, cx + dot // 2, cy + dot // 2], fill=fg)
            elif ch != " ":
                draw.text((left, top + 1), ch, font=bold_font if bold else font, fill=fg)
    image.save(out)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cols = int(args[args.index("--cols") + 1]) if "--cols" in args else 100
    rows = int(args[args.index("--rows") + 1]) if "--rows" in args else 30
    with open(args[0], encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    render(parse(text, cols, rows), args[1])


if __name__ == "__main__":
    main()
