"""The module structure of plugin/: each X.c with its X.h is module X.

(a) A header declares only functions its own .c defines (not static): a declaration of a
    function defined elsewhere hides which module a caller depends on.  wsclose_compat.h is
    version-compatibility macros and types only, so it has no .c and declares no function.
(b) The modules do not depend on each other in a cycle.  X depends on Y when X.c or X.h
    includes "Y.h", or when X.c names a function Y.c defines (a dependency that a missing
    header or a declaration in the wrong header would otherwise hide).
(c) One namespace: every name a header makes visible (functions, variables, types, enum
    constants, macros other than the include guard) and every function a .c defines for
    the others starts with wsclose_ / WSCLOSE_, or is one of the registration names
    Wireshark's plugin.c generator looks for (proto_register_*, proto_reg_handoff_*).
    ws_ is wsutil's.
(d) C99 types: no glib integer/boolean/pointer typedefs or TRUE/FALSE outside
    wsclose_compat.h, which bridges the APIs whose types changed between versions.

Needs no build, no Wireshark: it reads the sources.  CheckerTest runs the checker on small
synthetic trees, so that it cannot pass by finding nothing.
"""

import os
import re
import shutil
import tempfile
import unittest

PLUGIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plugin")

IDENT = re.compile(r"\b([A-Za-z_]\w*)\b")
# Words before a "(" that are not the name of the function being declared.
NOT_A_NAME = {"__attribute__", "__declspec", "sizeof", "if", "while", "for", "switch",
              "return"}


def strip_c(text):
    """The code of a C source: comments, string and character literals emptied (their
    braces and parentheses do not count), preprocessor lines removed.  Returns
    (code, [quoted #include names])."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j) or " ")
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    code = "".join(out)
    includes, kept, continued = [], [], False
    for line in code.split("\n"):
        directive = continued or line.lstrip().startswith("#")
        continued = directive and line.rstrip().endswith("\\")
        if directive:
            kept.append("")
        else:
            kept.append(line)
    # Include names are read from the original text: the literal above was emptied.
    for m in re.finditer(r'^\s*#\s*include\s*"([^"]+)"', strip_comments(text), re.M):
        includes.append(m.group(1))
    return "\n".join(kept), includes


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def top_level(code):
    """[(kind, head)] of the file-scope items: "definition" for `head { body }` where head
    ends with a parameter list, "declaration" for `head;`.  Bodies and initialisers are
    skipped."""
    items, buf, i, n = [], [], 0, len(code)
    linkage = 0  # open extern "C" blocks: their contents are file scope
    while i < n:
        c = code[i]
        if c == "{" and re.search(r'\bextern\s*""$', "".join(buf).strip()):
            linkage, buf, i = linkage + 1, [], i + 1
            continue
        if c == "}" and linkage:
            linkage, buf, i = linkage - 1, [], i + 1
            continue
        if c == "{":
            head = "".join(buf).strip()
            depth, i = 1, i + 1
            while i < n and depth:
                depth += {"{": 1, "}": -1}.get(code[i], 0)
                i += 1
            if head.endswith(")") and "=" not in head:
                items.append(("definition", head))
                buf = []
            else:
                buf.append("{}")  # struct, enum or initialiser: ends at its ";"
            continue
        if c == ";":
            items.append(("declaration", "".join(buf).strip()))
            buf = []
        else:
            buf.append(c)
        i += 1
    return items


def function_name(head):
    """The name a file-scope function declaration or definition head declares, or None
    (variables, typedefs, function pointers, static functions)."""
    if re.match(r"(typedef|static)\b", head) or re.search(r"\bstatic\b", head):
        return None
    for m in re.finditer(r"([A-Za-z_]\w*)\s*\(", head):
        name = m.group(1)
        if name in NOT_A_NAME or name.isupper():
            continue
        before = head[:m.start()]
        if before.count("(") != before.count(")"):
            return None  # inside a parameter list or an attribute
        if re.match(r"\s*\*", head[m.end():]) or not before.strip():
            return None  # a function pointer, or a call-like macro without a type
        return name
    return None


class Module:
    def __init__(self, name):
        self.name = name
        self.c = self.h = None          # file names
        self.declared = {}              # function -> header line text
        self.defined = set()            # non-static functions of X.c
        self.includes = {}              # module -> file that includes it
        self.code = ""                  # X.c's code


def load(folder):
    """{module name: Module} of the .c and .h files of folder."""
    modules = {}
    for fname in sorted(os.listdir(folder)):
        base, ext = os.path.splitext(fname)
        if ext not in (".c", ".h"):
            continue
        mod = modules.setdefault(base, Module(base))
        with open(os.path.join(folder, fname), encoding="utf-8", errors="replace") as f:
            code, includes = strip_c(f.read())
        for inc in includes:
            inc_base, inc_ext = os.path.splitext(os.path.basename(inc))
            if inc_ext == ".h" and os.path.isfile(os.path.join(folder, inc)):
                mod.includes.setdefault(inc_base, fname)
        for kind, head in top_level(code):
            name = function_name(head)
            if not name:
                continue
            if ext == ".h" and kind == "declaration":
                mod.declared[name] = " ".join(head.split()) + ";"
            elif ext == ".c" and kind == "definition":
                mod.defined.add(name)
        if ext == ".c":
            mod.c, mod.code = fname, code
        else:
            mod.h = fname
    return modules


def stray_declarations(modules):
    """["X.h: declaration (defined in Y.c | defined nowhere)"] for every function X.h
    declares that X.c does not define."""
    where = {}
    for mod in modules.values():
        for name in mod.defined:
            where.setdefault(name, []).append(mod.c)
    out = []
    for mod in sorted(modules.values(), key=lambda m: m.name):
        for name, decl in sorted(mod.declared.items()):
            if name in mod.defined:
                continue
            others = sorted(where.get(name, []))
            said = "defined in " + ", ".join(others) if others else "no .c defines it"
            if not mod.c:
                said += "; %s has no %s.c" % (mod.h, mod.name)
            out.append("%s: %s  (%s)" % (mod.h, decl, said))
    return out


def dependencies(modules):
    """{X: {Y: why}}: X includes Y's header, or X.c names a function Y.c defines."""
    owner = {}
    for mod in modules.values():
        for name in mod.defined:
            owner.setdefault(name, mod.name)
    deps = {name: {} for name in modules}
    for mod in modules.values():
        for other, fname in mod.includes.items():
            if other != mod.name:
                deps[mod.name][other] = '%s includes "%s.h"' % (fname, other)
        for word in sorted(set(IDENT.findall(mod.code))):
            other = owner.get(word)
            if other and other != mod.name and other not in deps[mod.name]:
                deps[mod.name][other] = "%s uses %s() of %s.c" % (mod.c, word, other)
    return deps


def cycles(deps):
    """Every elementary dependency cycle once, as [X, Y, ..., X], smallest module first."""
    found = set()
    out = []

    def walk(start, node, path, on_path):
        for nxt in sorted(deps.get(node, {})):
            if nxt == start:
                cyc = tuple(path)
                if cyc not in found:
                    found.add(cyc)
                    out.append(list(path) + [start])
            elif nxt > start and nxt not in on_path:
                on_path.add(nxt)
                walk(start, nxt, path + [nxt], on_path)
                on_path.discard(nxt)

    for start in sorted(deps):
        walk(start, start, [start], {start})
    return out


def describe_cycle(cycle, deps):
    return "\n".join(["  " + " -> ".join(cycle)] +
                     ["      %s" % deps[a][b] for a, b in zip(cycle, cycle[1:])])


NAMESPACE = re.compile(r"(wsclose_|WSCLOSE_|proto_register_|proto_reg_handoff_)")
GLIB_TYPES = re.compile(r"\b(g(u?(int|long|short|char)(8|16|32|64)?|boolean|pointer|constpointer|"
                        r"s?size|double|float)|TRUE|FALSE)\b")
COMPAT = ("wsclose_compat.h",)


def visible_names(fname, text):
    """[(name, what)] of what a header makes visible to its includers."""
    raw = strip_comments(text)
    code, _includes = strip_c(text)
    names = []
    defines = re.findall(r"^\s*#\s*define\s+(\w+)", raw, re.M)
    guard = re.search(r"^\s*#\s*ifndef\s+(\w+)\s*\n\s*#\s*define\s+(\w+)", raw, re.M)
    for name in defines:
        if not (guard and guard.group(1) == guard.group(2) == name):
            names.append((name, "macro"))
    for body in re.findall(r"\benum\b[^{;]*\{([^}]*)\}", code):
        names += [(m, "enum constant") for m in re.findall(r"(?:^|,)\s*([A-Za-z_]\w*)", body)]
    flat = re.sub(r"\{[^{}]*\}", "{}", re.sub(r"\{[^{}]*\}", "{}", code))
    for kind, head in top_level(flat):
        if kind != "declaration" and not head.startswith("static"):
            continue
        head = re.sub(r"\{\}", " ", head)
        fptr = re.search(r"\(\s*\*\s*(\w+)\s*\)", head)
        if head.startswith("typedef"):
            names.append((fptr.group(1) if fptr else re.findall(r"\w+", head)[-1], "type"))
        elif re.match(r"struct\s+\w+$", head):
            continue  # a forward declaration of a struct someone else defines
        else:
            name = function_name(head.replace("static", "", 1).replace("inline", "", 1))
            if name:
                names.append((name, "function"))
            elif "(" not in head and re.findall(r"\w+", head):
                names.append((re.findall(r"\w+", head)[-1], "variable"))
    return names


def namespace_problems(folder, prefix=NAMESPACE):
    """["file: what name"] for every visible name outside the namespace."""
    out = []
    for mod in sorted(load(folder).values(), key=lambda m: m.name):
        if mod.h:
            with open(os.path.join(folder, mod.h), encoding="utf-8", errors="replace") as f:
                for name, what in visible_names(mod.h, f.read()):
                    if not prefix.match(name):
                        out.append("%s: %s %s" % (mod.h, what, name))
        for name in sorted(mod.defined):
            if not prefix.match(name):
                out.append("%s: function %s" % (mod.c, name))
    return out


def glib_type_uses(folder):
    """["file:line: word"] for each glib typedef or TRUE/FALSE in code outside COMPAT."""
    out = []
    for fname in sorted(os.listdir(folder)):
        if not fname.endswith((".c", ".h")) or fname in COMPAT:
            continue
        with open(os.path.join(folder, fname), encoding="utf-8", errors="replace") as f:
            code, _includes = strip_c(f.read())
        for lineno, line in enumerate(code.split("\n"), 1):
            out += ["%s:%d: %s" % (fname, lineno, m.group(1)) for m in GLIB_TYPES.finditer(line)]
    return out


def problems(folder):
    """What the structure test reports for a folder: (stray declarations, cycle texts)."""
    modules = load(folder)
    deps = dependencies(modules)
    return stray_declarations(modules), [describe_cycle(c, deps) for c in cycles(deps)]


class PluginStructureTest(unittest.TestCase):
    """plugin/ itself."""

    def test_sources_found(self):
        modules = load(PLUGIN)
        self.assertIn("packet-wsclose", modules)
        self.assertTrue(any(m.declared for m in modules.values()))
        self.assertTrue(any(m.includes for m in modules.values()))

    def test_headers_declare_only_their_own_functions(self):
        stray, _cycles = problems(PLUGIN)
        if stray:
            self.fail("\nHeaders of plugin/ declaring functions their own .c does not "
                      "define:\n  " + "\n  ".join(stray))

    def test_no_dependency_cycle(self):
        _stray, cyc = problems(PLUGIN)
        if cyc:
            self.fail("\nDependency cycles among the modules of plugin/:\n" + "\n".join(cyc))


    def test_one_namespace(self):
        wrong = namespace_problems(PLUGIN)
        if wrong:
            self.fail("\nNames plugin/ makes visible outside wsclose_:\n  " + "\n  ".join(wrong))

    def test_names_found(self):
        # The namespace check reads every kind of name it judges.
        kinds = set()
        for fname in os.listdir(PLUGIN):
            if fname.endswith(".h"):
                with open(os.path.join(PLUGIN, fname)) as f:
                    kinds |= {what for _name, what in visible_names(fname, f.read())}
        self.assertEqual(kinds, {"macro", "enum constant", "type", "function", "variable"})

    def test_c99_types(self):
        uses = glib_type_uses(PLUGIN)
        if uses:
            self.fail("\nglib types outside wsclose_compat.h:\n  " + "\n  ".join(uses))


class CheckerTest(unittest.TestCase):
    """The checker on synthetic trees: it finds what it must, and nothing else."""

    def tree(self, files):
        folder = tempfile.mkdtemp(prefix="wsclose-structure-")
        self.addCleanup(shutil.rmtree, folder, True)
        for name, text in files.items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        return folder

    CLEAN = {
        "a.h": '#ifndef A_H\n#define A_H\n#include "b.h"\n/* a_run(int) is "here" */\n'
               "typedef struct { int x; } a_t;\ntypedef void (*a_cb)(int);\n"
               "extern int a_count;\nint a_run(int n);\nconst char *\na_name(void);\n"
               "static inline int a_twice(int n) { return 2 * n; }\n#endif\n",
        "a.c": '#include "a.h"\nint a_count;\nstatic int helper(void) { return 1; }\n'
               "static const a_t table[] = { { 1 }, { 2 } };\n"
               "int\na_run(int n)\n{\n    return b_step(n) + helper() + table[0].x;\n}\n"
               'const char *a_name(void) { return "a_run(}"; }\n',
        "b.h": "#ifndef B_H\n#define B_H\n#define B_MAX(x) ((x) + 1)\nint b_step(int n);\n#endif\n",
        "b.c": '#include "b.h"\nint b_step(int n) { return B_MAX(n); }\n',
        "compat.h": "#define COMPAT_CALL(f) f()\ntypedef int compat_t;\n",
    }

    def test_clean_tree_passes(self):
        self.assertEqual(problems(self.tree(self.CLEAN)), ([], []))

    def test_declaration_of_another_modules_function(self):
        files = dict(self.CLEAN)
        files["b.h"] = files["b.h"].replace("#endif", "int a_run(int n);\n#endif")
        stray, _cyc = problems(self.tree(files))
        self.assertEqual(stray, ["b.h: int a_run(int n);  (defined in a.c)"])

    def test_declaration_defined_static_or_nowhere(self):
        files = dict(self.CLEAN)
        files["b.h"] = files["b.h"].replace("#endif", "void b_gone(void);\n#endif")
        files["b.c"] += "static void b_hidden(void) {}\n"
        files["b.h"] = files["b.h"].replace("#endif", "void b_hidden(void);\n#endif")
        stray, _cyc = problems(self.tree(files))
        self.assertEqual(stray, ["b.h: void b_gone(void);  (no .c defines it)",
                                 "b.h: void b_hidden(void);  (no .c defines it)"])

    def test_header_without_c_declaring_a_function(self):
        files = dict(self.CLEAN)
        files["compat.h"] += "int compat_open(void);\n"
        stray, _cyc = problems(self.tree(files))
        self.assertEqual(stray, ["compat.h: int compat_open(void);  "
                                 "(no .c defines it; compat.h has no compat.c)"])

    def test_extern_c_block_is_read(self):
        files = dict(self.CLEAN)
        files["b.h"] = ('#ifdef __cplusplus\nextern "C" {\n#endif\nint b_step(int n);\n'
                        "int b_other(void);\n#ifdef __cplusplus\n}\n#endif\n")
        stray, _cyc = problems(self.tree(files))
        self.assertEqual(stray, ["b.h: int b_other(void);  (no .c defines it)"])

    def test_include_cycle(self):
        files = dict(self.CLEAN)
        files["b.c"] = '#include "a.h"\n' + files["b.c"]
        _stray, cyc = problems(self.tree(files))
        self.assertEqual(cyc, ['  a -> b -> a\n      a.h includes "b.h"\n'
                               '      b.c includes "a.h"'])

    def test_cycle_through_a_module_without_header(self):
        # c.c defines c_hook(), declared in a.h (stray) and used by a.c; c.c includes a.h.
        files = dict(self.CLEAN)
        files["a.h"] = files["a.h"].replace("#endif", "void c_hook(void);\n#endif")
        files["a.c"] += "void a_start(void) { c_hook(); }\n"
        files["c.c"] = '#include "a.h"\nvoid c_hook(void) { a_run(1); }\n'
        stray, cyc = problems(self.tree(files))
        self.assertEqual(stray, ["a.h: void c_hook(void);  (defined in c.c)"])
        self.assertEqual(cyc, ["  a -> c -> a\n      a.c uses c_hook() of c.c\n"
                               '      c.c includes "a.h"'])

    def test_three_module_cycle_reported_once(self):
        files = dict(self.CLEAN)
        files["c.h"] = '#include "a.h"\nint c_f(void);\n'
        files["c.c"] = '#include "c.h"\nint c_f(void) { return 0; }\n'
        files["b.c"] = '#include "c.h"\n' + files["b.c"]
        _stray, cyc = problems(self.tree(files))
        self.assertEqual(cyc, ['  a -> b -> c -> a\n      a.h includes "b.h"\n'
                               '      b.c includes "c.h"\n      c.h includes "a.h"'])


    ABC = re.compile(r"(a_|b_|A_|B_|compat_|COMPAT_)")

    def test_clean_tree_in_its_namespace(self):
        self.assertEqual(namespace_problems(self.tree(self.CLEAN), self.ABC), [])
        self.assertEqual(glib_type_uses(self.tree(self.CLEAN)), [])

    def test_names_outside_the_namespace(self):
        files = dict(self.CLEAN)
        files["b.h"] = files["b.h"].replace(
            "#endif", "#define MAX 3\ntypedef enum { RED, B_BLUE = 2 } b_color_t;\n"
            "typedef struct { int y; } point_t;\ntypedef int (*visit_fn)(void);\n"
            "extern int counter;\nint step_all(void);\n#endif")
        files["b.c"] += "int step_all(void) { return 0; }\nvoid helper_two(void) {}\n"
        self.assertEqual(namespace_problems(self.tree(files), self.ABC),
                         ["b.h: macro MAX", "b.h: enum constant RED", "b.h: type point_t",
                          "b.h: type visit_fn", "b.h: variable counter",
                          "b.h: function step_all", "b.c: function helper_two",
                          "b.c: function step_all"])

    def test_glib_types_found(self):
        files = dict(self.CLEAN)
        files["a.c"] += ("static guint32 n;\nstatic gboolean on = TRUE; /* gint */\n"
                         'static const gchar *s = "guint8";\n')
        files["compat.h"] += "typedef gboolean compat_bool_t;\n"
        files["wsclose_compat.h"] = "typedef gboolean wsclose_ok_t;\n"
        self.assertEqual(glib_type_uses(self.tree(files)),
                         ["a.c:11: guint32", "a.c:12: gboolean", "a.c:12: TRUE",
                          "a.c:13: gchar", "compat.h:3: gboolean"])


if __name__ == "__main__":
    unittest.main()
