#!/usr/bin/env python3
"""Doxygen input filter for jx's public headers (docs/Doxyfile.in).

jx's headers are commented in plain `//` style, for people reading them. This filter shows the same
comments to Doxygen without changing the headers: the opening block (what the header offers, with
its examples) becomes the file's page, code lines in it become a C++ code block, and a comment block
directly above a declaration becomes that declaration's documentation. Comments inside function
bodies are left as they are (Doxygen ignores them).
"""
import re
import sys


def is_comment(line):
    return line.lstrip().startswith("//")


def comment_text(line):
    text = line.lstrip()[2:]
    return text[1:] if text.startswith(" ") else text


def escape(text):
    # Doxygen reads backslashes and at-signs as commands, and <word> as HTML.
    return text.replace("\\", "\\\\").replace("@", "\\@").replace("<", "&lt;").replace(">", "&gt;")


def file_block(lines):
    """The opening comment as the file's documentation, in /// lines (a /** block would end at the
    first "*/" in the text); lines indented by two or more spaces are C++ code."""
    out = ["/// @file"]
    in_code = False
    for line in lines:
        text = comment_text(line)
        code = text.startswith("  ") and text.strip() != ""
        if code and not in_code:
            out.append("/// @code{.cpp}")
            in_code = True
        elif not code and in_code and text.strip() != "":
            out.append("/// @endcode")
            in_code = False
        out.append("/// " + (text if in_code else escape(text)))
    if in_code:
        out.append("/// @endcode")
    return out


DECLARATION_SCOPE = re.compile(r"^\s*(template\s*<.*>\s*)?((inline\s+)?namespace|class|struct|union|enum)\b")


def main():
    source = open(sys.argv[1], encoding="utf-8").read().split("\n")
    out = []
    i = 0
    # The opening block: the comment lines before the first non-comment line.
    while i < len(source) and is_comment(source[i]):
        i += 1
    if i > 0:
        out.extend(file_block(source[:i]))
    # Open braces, each True for a declaration scope (namespace, class, struct, enum) and False for a
    # body (a function's, a lambda's, an initializer). Only comments outside bodies document anything.
    scopes = []
    pending_declaration = False  # a class or namespace head whose brace is on a later line
    rest = source[i:]
    hiding = False  # inside a specialization in namespace std, which Doxygen cannot place
    for k, line in enumerate(rest):
        if line.startswith("template <>") and k + 1 < len(rest) and rest[k + 1].startswith("struct std::"):
            out.append("/// @cond")
            hiding = True
        if hiding and line.startswith("};"):
            out.append(line)
            out.append("/// @endcond")
            hiding = False
            continue
        if is_comment(line) and not line.lstrip().startswith("///") and all(scopes):
            out.append(re.sub(r"^(\s*)//", r"\1///", line, count=1))
            continue
        out.append(line)
        code = re.sub(r'"([^"\\]|\\.)*"', '""', line)
        code = re.sub(r"'([^'\\]|\\.)*'", "''", code)
        code = re.sub(r"//.*", "", code)
        declaration = bool(DECLARATION_SCOPE.match(code)) or pending_declaration
        for ch in code:
            if ch == "{":
                scopes.append(declaration)
                declaration = False
                pending_declaration = False
            elif ch == "}" and scopes:
                scopes.pop()
        if DECLARATION_SCOPE.match(code) and "{" not in code and not code.rstrip().endswith(";"):
            pending_declaration = True
        elif code.rstrip().endswith(";"):
            pending_declaration = False
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
