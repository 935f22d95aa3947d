#!/usr/bin/env python3
"""Writes a man page (roff) from a program's own --help output, so that the page cannot drift from it.

Two layouts of --help are understood:

--layout commands  resnet-lens-cli's: "usage:" lines, then blocks. A "Commands:" block lists each command
                   as an entry line indented by two spaces ("  NAME ..."), described by the more deeply
                   indented lines under it. Every NAME found there gets a section made from the output of
                   `PROGRAM NAME --help` ("usage:" lines, then prose), so a new command needs no change here.
                   A line "Label: text" after the blocks becomes a section (Exit codes: EXIT STATUS).
--layout qt        QCommandLineParser's: "Usage: PROGRAM ...", a description, then "Options:" and
                   "Arguments:" blocks of "  TERM  DESCRIPTION" entries.

Usage: make_manpage.py --program BIN --name NAME --summary TEXT --version V --date YYYY-MM-DD
                       --layout commands|qt [--see-also PAGE(1)]... [--homepage URL] -o OUT
"""

import argparse
import re
import subprocess
import sys

SECTION_NAMES = {"Exit codes": "EXIT STATUS"}


def run_help(program, words):
    result = subprocess.run([program, *words, "--help"], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        sys.exit(f"make_manpage.py: '{program} {' '.join(words + ['--help'])}' failed "
                 f"(exit {result.returncode}): {result.stderr.strip()}")
    return result.stdout


def escape(text):
    """Roff for literal text: backslashes and minus signs escaped, non-ASCII as named code points."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)


def line(text):
    """One input line of running text: a leading control character is neutralised."""
    text = escape(text.strip())
    return "\\&" + text if text.startswith((".", "'")) else text


def unbreakable_groups(arguments):
    """Splits a synopsis into words, keeping each [...] or <...> group together (spaces made unbreakable)."""
    words, current, depth = [], "", 0
    for c in arguments:
        if c in "[<":
            depth += 1
        elif c in "]>":
            depth = max(0, depth - 1)
        if c == " " and depth == 0:
            if current:
                words.append(current)
            current = ""
        else:
            current += c
    if current:
        words.append(current)
    # A word ending in '.' ("IMAGE...") is no sentence end: \& keeps roff from doubling the space after it.
    return [escape(w).replace(" ", "\\ ") + ("\\&" if w.endswith((".", "?", "!")) else "") for w in words]


def synopsis(program, arguments):
    """A .SY block: the program in bold, then its arguments, wrapped with a hanging indent."""
    out = [f".SY {escape(program)}"]
    words = unbreakable_groups(arguments)
    if words and re.fullmatch(r"[a-z][a-z0-9\\-]*", words[0]):
        out.append(f".B {words.pop(0)}")  # a command name, bold as the program
    out += words
    out.append(".YS")
    return out


def paragraphs(lines):
    """Prose lines as filled paragraphs; a blank line starts a new paragraph."""
    out, started = [], False
    for text in lines:
        if not text.strip():
            started = False
            continue
        if not started:
            out.append(".PP")
            started = True
        out.append(line(text))
    return out


def indent(text):
    return len(text) - len(text.lstrip(" "))


def split_usage(text, program):
    """Splits help text into its synopses (the arguments after the program of each "usage:" line, with
    indented continuation lines) and the lines after them."""
    lines = text.rstrip("\n").split("\n")
    synopses, i = [], 0
    while i < len(lines):
        match = re.match(r"\s*usage:\s*(\S+)\s*(.*)", lines[i], re.IGNORECASE)
        if match:
            synopses.append(match.group(2).strip())
        elif synopses and lines[i].startswith(" ") and lines[i].strip().startswith(("[", "-", "|")):
            synopses[-1] += " " + lines[i].strip()
        elif synopses and re.match(r"\s+" + re.escape(program) + r"\s", lines[i]):
            synopses.append(lines[i].strip()[len(program):].strip())  # "       program other usage"
        else:
            break
        i += 1
    return synopses, lines[i:]


def blocks(lines):
    """Groups lines into (header, lines) blocks: a header is an unindented line ending in ':'."""
    out = [(None, [])]
    for text in lines:
        if re.fullmatch(r"[A-Z][A-Za-z ]*:", text):
            out.append((text[:-1], []))
        elif out[-1][0] is not None and not text.strip():
            out.append((None, []))
        else:
            out[-1][1].append(text)
    return [(header, body) for header, body in out if header or any(t.strip() for t in body)]


def command_entries(body):
    """The entries of a "Commands:" block: [(name, description lines)]. A deeper line that starts with
    '[' or '-' continues the entry's synopsis (the command's own --help gives the full one)."""
    entries = []
    for text in body:
        if indent(text) == 2 and text.strip():
            entries.append((text.split()[0], []))
        elif entries and text.strip() and not text.strip().startswith(("[", "-")):
            entries[-1][1].append(text)
    return entries


def term_entries(body):
    """The entries of a QCommandLineParser block: [(term, description)], the term ending at 2+ spaces."""
    entries = []
    for text in body:
        if indent(text) == 2 and text.strip():
            parts = re.split(r"\s{2,}", text.strip(), maxsplit=1)
            entries.append((parts[0], parts[1] if len(parts) > 1 else ""))
        elif entries and text.strip():
            entries[-1] = (entries[-1][0], (entries[-1][1] + " " + text.strip()).strip())
    return entries


def bold_options(term):
    """'-h, --help' as bold options; '<FILE>' values in italics."""
    out = escape(term)
    out = re.sub(r"(\\-[\\\-A-Za-z0-9?]+)", r"\\fB\1\\fR", out)
    return re.sub(r"<([^>]+)>", r"<\\fI\1\\fR>", out)


def commands_page(args):
    main_help = run_help(args.program, [])
    synopses, rest = split_usage(main_help, args.name)
    out = [".SH SYNOPSIS"]
    for arguments in synopses:
        out += synopsis(args.name, arguments)
    description, commands, sections = [], [], []
    for header, body in blocks(rest):
        if header == "Commands":
            commands = command_entries(body)
            continue
        for text in body:
            labelled = re.match(r"([A-Z][a-z ]+): (.+)", text)
            if header is None and labelled:
                sections.append((SECTION_NAMES.get(labelled.group(1), labelled.group(1).upper()),
                                 [labelled.group(2)]))
            elif header is None:
                description.append(text)
    if not commands:
        sys.exit(f"make_manpage.py: no 'Commands:' block in '{args.program} --help'")
    out.append(".SH DESCRIPTION")
    out += paragraphs(description)
    out.append(".SH COMMANDS")
    for name, summary in commands:
        own_synopses, own_prose = split_usage(run_help(args.program, [name]), args.name)
        out.append(f".SS {escape(name)}")
        for arguments in own_synopses:
            out += synopsis(args.name, arguments)
        out += paragraphs([t.strip() for t in summary])
        out += paragraphs(own_prose)
    for title, body in sections:
        out += [f'.SH "{title}"'] + paragraphs(body)
    return out


def qt_page(args):
    synopses, rest = split_usage(run_help(args.program, []), args.name)
    out = [".SH SYNOPSIS"]
    for arguments in synopses:
        out += synopsis(args.name, arguments)
    out.append(".SH DESCRIPTION")
    for header, body in blocks(rest):
        if header is None:
            out += paragraphs(body)
            continue
        out.append(f".SH {escape(header.upper())}")
        for term, description in term_entries(body):
            out += [".TP", bold_options(term), line(description)]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--program", required=True, help="the built executable to run")
    parser.add_argument("--name", required=True, help="the installed program name")
    parser.add_argument("--summary", required=True, help="the NAME line's description")
    parser.add_argument("--version", required=True)
    parser.add_argument("--date", required=True, help="the release date, YYYY-MM-DD")
    parser.add_argument("--layout", required=True, choices=["commands", "qt"])
    parser.add_argument("--see-also", action="append", default=[], help="another page, as name(1)")
    parser.add_argument("--homepage")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()

    page = [
        f'.\\" Generated by packaging/make_manpage.py from "{args.name} --help"; do not edit.',
        f'.TH {escape(args.name.upper())} 1 {args.date} "{escape(args.name)} {args.version}" "User Commands"',
        '.\\" Options, paths and URLs read better unhyphenated and ragged-right.',
        ".nh",
        ".ad l",
        ".SH NAME",
        f"{escape(args.name)} \\- {escape(args.summary)}",
    ]
    page += commands_page(args) if args.layout == "commands" else qt_page(args)
    if args.see_also or args.homepage:
        page.append('.SH "SEE ALSO"')
        references = []
        for reference in args.see_also:
            match = re.fullmatch(r"(.+)\((\d)\)", reference)
            references.append(f".BR {escape(match.group(1))} ({match.group(2)})" if match else line(reference))
        page += [r + ("," if i + 1 < len(references) else "") for i, r in enumerate(references)]
        if args.homepage:
            page += [".PP", "Project home page:", ".UR " + args.homepage, ".UE"]
    with open(args.output, "w", encoding="ascii") as out:
        out.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
