#!/usr/bin/python3
"""Write lua/wsclose.lua: lua/wsclose.lua.in (the hand-written logic) with its data section
generated from the C plugin's sources, so that the two editions share one set of names,
meanings, classes, error codes, fields, expert items, preferences and the opening handshake's
texts.

    /usr/bin/python3 lua/gen_lua.py           # write lua/wsclose.lua
    /usr/bin/python3 lua/gen_lua.py --check   # exit 1 when lua/wsclose.lua is not what it writes

Standard library only.  The C sources are read as tokens (string literals joined as the
compiler joins them), not compiled: a change of shape there fails loudly here.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PLUGIN = os.path.join(REPO, "plugin")
TEMPLATE = os.path.join(HERE, "wsclose.lua.in")
OUTPUT = os.path.join(HERE, "wsclose.lua")
MARK = "--@GENERATED_DATA@"

TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/|^\#(?:[^\n\\]|\\[^\n]|\\\n)*)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<chr>'(?:[^'\\\n]|\\.)*')
  | (?P<num>0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<op>->|&&|\|\||[{}()\[\],;=&*.:?<>!+\-/%|^~])
""", re.S | re.X | re.M)


class Str(str):
    """A string literal (as opposed to an identifier)."""


def read(name):
    with open(os.path.join(PLUGIN, name), encoding="utf-8") as f:
        return f.read()


def unescape(body):
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0"}
    while i < len(body):
        c = body[i]
        if c == "\\":
            n = body[i + 1]
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
            raise SystemExit("gen_lua: unsupported escape \\%s" % n)
        out.append(c)
        i += 1
    return "".join(out)


def tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SystemExit("gen_lua: cannot read C at %r" % text[pos:pos + 40])
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        val = m.group(kind)
        if kind == "str":
            s = Str(unescape(val[1:-1]))
            # Adjacent literals are one string.
            if out and isinstance(out[-1], Str):
                out[-1] = Str(out[-1] + s)
            else:
                out.append(s)
        elif kind == "num":
            out.append(int(val.rstrip("uUlL"), 0))
        else:
            out.append(val)
    return out


def group(toks, i):
    """The brace or parenthesis group starting at toks[i], as nested lists of
    comma-separated items; returns (items, index after the group)."""
    close = {"{": "}", "(": ")"}[toks[i]]
    items, cur, i = [], [], i + 1
    while toks[i] != close:
        t = toks[i]
        if t in ("{", "("):
            sub, i = group(toks, i)
            cur.append(sub)
            continue
        if t == ",":
            items.append(cur)
            cur = []
        else:
            cur.append(t)
        i += 1
    if cur:
        items.append(cur)
    return items, i + 1


def initializer(toks, name):
    """The items of `name[...] = { ... }`."""
    for i, t in enumerate(toks):
        if t == name and toks[i + 1] == "[":
            j = toks.index("=", i)
            items, _ = group(toks, j + 1)
            return items
    raise SystemExit("gen_lua: no initializer %s" % name)


def call_args(toks, func):
    """Argument lists of every call of func."""
    out = []
    for i, t in enumerate(toks):
        if t == func and toks[i + 1] == "(":
            args, _ = group(toks, i + 1)
            out.append(args)
    return out


def defines(*names):
    """The object-like macros of the files whose value is one token (adjacent string literals,
    also over continued lines, are one)."""
    out = {}
    for name in names:
        text = read(name).replace("\\\n", " ")
        for m in re.finditer(r"^#define\s+(\w+)\s+(.+?)\s*$", text, re.M):
            val = m.group(2)
            toks = tokens(val)
            if len(toks) == 1:
                out[m.group(1)] = toks[0]
    return out


def expand(toks, consts):
    """toks with the string macros of consts replaced by their strings, adjacent literals
    joined (as the preprocessor and the compiler do)."""
    out = []
    for t in toks:
        if isinstance(t, str) and not isinstance(t, Str) and isinstance(consts.get(t), Str):
            t = consts[t]
        if isinstance(t, Str) and out and isinstance(out[-1], Str):
            out[-1] = Str(out[-1] + t)
        else:
            out.append(t)
    return out


def scalar(item, consts):
    """One initializer item: a string, number, NULL (None), or a constant's value."""
    if len(item) == 2 and item[0] == "-" and isinstance(item[1], int):
        return -item[1]
    if len(item) != 1:
        raise SystemExit("gen_lua: unexpected item %r" % (item,))
    v = item[0]
    if isinstance(v, Str) or isinstance(v, int):
        return v
    if v == "NULL":
        return None
    if v in consts:
        return consts[v]
    return v


def switch_values(toks, func, value_at, window):
    """{case label: value} of a function made of switch cases, value_at(toks, i) giving the
    value a case ends with at token i (None elsewhere); the default shares the value of the
    case right above it.  window: how far after func's name its body may open."""
    start = next(i for i, t in enumerate(toks)
                 if t == func and toks[i + 1] == "(" and "{" in toks[i:i + window])
    body_start = toks.index("{", start)
    _, end = group(toks, body_start)
    out, pending = {}, []
    for i in range(body_start, end):
        if toks[i] == "case":
            pending.append(toks[i + 1])
        elif toks[i] == "default":
            pending.append("default")
        else:
            value = value_at(toks, i)
            if value is not None:
                for label in pending:
                    out[label] = value
                pending = []
    return out


def switch_returns(toks, func):
    """{case label: returned string} of a function made of `case X: return "...";`."""
    return switch_values(toks, func, lambda t, i: t[i + 1] if t[i] == "return" and
                         isinstance(t[i + 1], Str) else None, 12)


def expert_rows(toks, consts):
    """The ei_register_info entries of toks, in registration order."""
    out = []
    for row in initializer(toks, "ei"):
        (body,) = row
        ref = body[0][1]  # & ei_wsclose_x
        (inner,) = body[1]
        vals = [scalar(v, consts) for v in inner]
        out.append({"key": ref[len("ei_wsclose_"):], "abbrev": vals[0],
                    "group": vals[1][len("PI_"):].lower(),
                    "severity": vals[2][len("PI_"):].lower(), "text": vals[3]})
    return out


def switch_formats(toks, func):
    """{case label: format} of a function made of `case X: snprintf(buf, size, "...", ...);`."""
    return switch_values(toks, func, lambda t, i: group(t, i + 1)[0][2][0]
                         if t[i] == "snprintf" and t[i + 1] == "(" else None, 16)


def body(toks, func):
    """The tokens of the body of the function func: its definition, where the parameter list
    is followed by a brace."""
    for i, t in enumerate(toks):
        if t == func and toks[i + 1] == "(":
            _, after = group(toks, i + 1)
            if toks[after] == "{":
                _, end = group(toks, after)
                return toks[after:end]
    raise SystemExit("gen_lua: no function %s" % func)


def literals(toks, func, count):
    """The string literals of the body of func, in order; exactly count of them, else the C
    has changed shape."""
    out = [t for t in body(toks, func) if isinstance(t, Str)]
    if len(out) != count:
        raise SystemExit("gen_lua: %s in wsclose_conv.c has %d string literals, not %d: "
                         "update gen_lua.py" % (func, len(out), count))
    return out


def conv_table(toks, status):
    """The per-connection table (wsclose_conv.c): title, -z argument, table name, columns in
    order, and the texts its cells are made of."""
    enum_start = next(i for i, t in enumerate(toks) if t == "enum" and toks[i + 2] == "COL_STREAM")
    order = [t for t in toks[enum_start:toks.index("COL_COUNT", enum_start)]
             if isinstance(t, str) and not isinstance(t, Str) and t.startswith("COL_")]
    by_col = {}
    for item in initializer(toks, "conv_fields"):
        if item[0] != "[" or item[2:4] != ["]", "="]:
            raise SystemExit("gen_lua: unexpected conv_fields entry %r" % (item,))
        ftype, align, title, fmt = (scalar(v, {}) for v in item[4])
        by_col[item[1]] = {"type": ftype[len("TABLE_ITEM_"):].lower(), "title": title,
                           "format": fmt.replace("%u", "%d")}
    if sorted(by_col) != sorted(order):
        raise SystemExit("gen_lua: conv_fields does not name every column of wsclose_conv.c")
    ui = {}
    for i, t in enumerate(toks):
        if t == "." and toks[i + 2] == "=" and isinstance(toks[i + 3], Str):
            ui[toks[i + 1]] = toks[i + 3]
    i = toks.index("table_name")
    if toks[i + 1:i + 4] != ["[", "]", "="] or not isinstance(toks[i + 4], Str):
        raise SystemExit("gen_lua: no table_name in wsclose_conv.c")

    def u(fmt):
        return fmt.replace("%u", "%d")

    texts = {}
    texts["endpoint_ipv6"], texts["endpoint"] = map(u, literals(toks, "endpoint_text", 2))
    (texts["code"],) = map(u, literals(toks, "status_text", 1))
    (name_code,) = [args[2][0] for args in call_args(body(status, "wsclose_name_code_text"),
                                                     "snprintf")]
    texts["name_code"] = u(name_code)
    (texts["no_close"], texts["one_byte"], texts["not_captured"], texts["no_status"],
     texts["over_65534"], texts["payload_len"]) = map(u, literals(toks, "close_text", 6))
    receive = switch_values(toks, "client_view", lambda t, i: t[i + 2] if t[i] == "g_strdup" and
                            isinstance(t[i + 2], Str) else None, 24)
    texts["close_buffer"] = receive["WSCLOSE_RECEIVE_CLOSE_BUFFER"]
    texts["receive_aborted"] = receive["WSCLOSE_RECEIVE_ABORTED"]
    (query,) = [args[0][0] for args in call_args(body(toks, "client_view"), "g_strdup_printf")]
    texts["query_status"] = u(query)
    (texts["no_abort"], texts["abort"], texts["rst"], texts["fin"],
     texts["both_aborted"]) = literals(toks, "abort_text", 5)
    (texts["first_client"], texts["first_server"],
     texts["first_none"]) = literals(toks, "closed_first", 3)
    (texts["ended"], texts["open"]) = literals(toks, "draw_row", 2)
    ((_, cut),) = call_args(body(toks, "new_row"), "strcspn")
    texts["query_start"] = cut[0]
    return {"title": ui["title"], "abbrev": ui["cli_string"], "table": toks[i + 4],
            "columns": [by_col[c] for c in order], "texts": texts}


def lua_str(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    out = ['"']
    for ch in v:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif o < 0x20 or o == 0x7f:
            out.append("\\%03d" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def lua_table(d, keys):
    return "{" + ", ".join("%s = %s" % (k, lua_str(d[k])) for k in keys if d.get(k) is not None) + "}"


def collect():
    consts = {}
    consts.update(defines("winhttp_status.h", "winhttp_api.h", "wsclose_frame.h",
                          "wsclose_upgrade.h", "wsclose_watch.c"))
    consts.update(defines("packet-wsclose.c"))
    status = tokens(read("winhttp_status.c"))
    status_h = tokens(read("winhttp_status.h"))
    label = tokens(read("wsclose_label.c"))
    api = tokens(read("winhttp_api.c"))
    dis = tokens(read("packet-wsclose.c"))
    view = tokens(read("wsclose_view.c"))
    end_view = tokens(read("wsclose_end_view.c"))

    data = {}
    codes = []
    for row in initializer(status, "code_table"):
        (fields,) = row
        vals = [scalar(v, consts) for v in fields]
        codes.append(dict(zip(("code", "winhttp", "meaning", "websocket_h", "dotnet", "iana"),
                              vals)))
    data["codes"] = codes

    # The class enum, in order, and its labels.
    enum_start = status_h.index("WSCLOSE_CLASS_WINHTTP")
    classes = [t for t in status_h[enum_start:status_h.index("WSCLOSE_CLASS_COUNT")]
               if isinstance(t, str) and not isinstance(t, Str) and t.startswith("WSCLOSE_CLASS_")]
    long_labels = switch_returns(status, "wsclose_class_label")
    short_labels = switch_returns(status, "wsclose_class_short_label")
    data["classes"] = [(c[len("WSCLOSE_CLASS_"):].lower(), long_labels[c], short_labels[c])
                       for c in classes]
    set_names = switch_returns(label, "set_short_name")
    data["set_short_names"] = {k[len("WSCLOSE_NAMES_"):].lower(): v
                               for k, v in set_names.items() if k != "default"}
    data["set_short_names"]["default"] = set_names["default"]

    errors = []
    for row in initializer(api, "wsclose_api_errors"):
        (fields,) = row
        vals = [scalar(v, consts) for v in fields]
        if vals[1] is None:
            continue
        errors.append(dict(zip(("code", "name", "meaning"), vals)))
    data["errors"] = errors

    # The opening handshake (wsclose_upgrade_view.c, wsclose_upgrade.[ch], winhttp_api.c).
    upgrade_consts = defines("wsclose_upgrade_view.c")
    upgrade_view = expand(tokens(read("wsclose_upgrade_view.c")), upgrade_consts)
    upgrade = tokens(read("wsclose_upgrade.c"))

    experts = []
    for toks in (dis, end_view, upgrade_view):
        experts.extend(expert_rows(toks, consts))
    data["experts"] = experts

    problems = []
    for row in initializer(upgrade_view, "problem_items"):
        (body,) = row
        problems.append(body[1][1][len("ei_wsclose_"):])  # & ei_wsclose_upgrade_x
    data["upgrade_problems"] = problems
    (title,) = call_args(upgrade_view, "proto_item_append_text")
    # refused ? ": refused text" : ": other text"
    _, cond = title
    if cond[1] != "?" or cond[3] != ":":
        raise SystemExit("gen_lua: unexpected proto_item_append_text in wsclose_upgrade_view.c")
    # expert_add_info_format(pinfo, ti, &ei_wsclose_upgrade_refused, "format", status)
    (refused_fmt,) = [args[3][0] for args in call_args(upgrade_view, "expert_add_info_format")]
    if not isinstance(refused_fmt, Str) or not isinstance(cond[2], Str) or \
            not isinstance(cond[4], Str):
        raise SystemExit("gen_lua: unexpected texts in wsclose_upgrade_view.c")
    data["upgrade_texts"] = {
        "title_refused": cond[2], "title_must_fail": cond[4],
        # Lua 5.4's string.format has no %u.
        "refused": refused_fmt.replace("%u", "%d"),
    }
    for label, fmt in switch_formats(api, "wsclose_api_upgrade_text").items():
        if label != "default":
            data["upgrade_texts"]["api_" + label[len("WSCLOSE_UPGRADE_CALL_"):].lower()] = \
                fmt.replace("%u", "%d")
    i = upgrade.index("WEBSOCKET_GUID")
    if upgrade[i + 1:i + 4] != ["[", "]", "="] or not isinstance(upgrade[i + 4], Str):
        raise SystemExit("gen_lua: no WEBSOCKET_GUID in wsclose_upgrade.c")
    data["upgrade_guid"] = upgrade[i + 4]

    # The statistics tree (wsclose_stats.c): its row names, the formats of the rows of each
    # close frame's status, and what stats_tree_register_plugin names it.
    stats = tokens(read("wsclose_stats.c"))
    rows = {}
    for i, t in enumerate(stats):
        if isinstance(t, str) and t.startswith("st_str_") and stats[i + 1:i + 4] == ["[", "]", "="]:
            if not isinstance(stats[i + 4], Str):
                raise SystemExit("gen_lua: %s in wsclose_stats.c is not a string" % t)
            rows[t[len("st_str_"):]] = stats[i + 4]
    formats = [args[2][0] for args in call_args(stats, "snprintf")]
    if len(formats) != 3 or not all(isinstance(f, Str) for f in formats):
        raise SystemExit("gen_lua: unexpected snprintf calls in wsclose_stats.c")
    (reg,) = call_args(stats, "stats_tree_register_plugin")
    if not isinstance(reg[1][0], Str) or not isinstance(reg[2][0], Str):
        raise SystemExit("gen_lua: unexpected stats_tree_register_plugin in wsclose_stats.c")
    data["stats"] = dict(rows, abbrev=reg[1][0], title=reg[2][0],
                         empty_status=formats[0], not_winhttp=formats[1].replace("%u", "%d"),
                         unreadable_status=formats[2])
    data["conv"] = conv_table(tokens(read("wsclose_conv.c")), status)

    fields = []
    for toks, prefix in ((dis, "hf_wsclose_"), (end_view, "hf_wsclose_"), (view, "hf_wsclose_"),
                         (upgrade_view, "hf_wsclose_")):
        for row in initializer(toks, "hf"):
            (body,) = row
            ref = body[0][1]
            (inner,) = body[1]
            name, abbrev, ftype, base = (scalar(v, consts) for v in inner[:4])
            strings = inner[4]
            blurb = scalar(inner[6], consts)
            entry = {"key": ref[len(prefix):], "name": name, "abbrev": abbrev,
                     "type": ftype[len("FT_"):].lower(), "base": base[len("BASE_"):].lower(),
                     "blurb": blurb}
            if strings and strings[0] == "FRAMENUM_TYPE":
                entry["frametype"] = strings[1][0][0][len("FT_FRAMENUM_"):].lower()
            elif strings and strings[0] == "VALS":
                entry["vals"] = "errors"
            elif strings and strings[0] == "CF_FUNC":
                entry["custom"] = "status"
            fields.append(entry)
    data["fields"] = fields

    name_sets = []
    for row in initializer(dis, "name_set_vals"):
        (vals,) = row
        vals = [scalar(v, consts) for v in vals]
        if vals[0] is None:
            continue
        name_sets.append({"name": vals[0], "description": vals[1],
                          "set": vals[2][len("WSCLOSE_NAMES_"):].lower()})
    data["name_sets"] = name_sets

    (proto,) = call_args(dis, "proto_register_protocol")
    data["proto"] = [scalar(v, consts) for v in proto]
    prefs = []
    for kind in ("enum", "bool", "uint"):
        for args in call_args(dis, "prefs_register_%s_preference" % kind):
            vals = [scalar(v, consts) if len(v) == 1 else None for v in args]
            p = {"kind": kind, "name": vals[1], "title": vals[2], "description": vals[3]}
            prefs.append(p)
    data["prefs"] = prefs
    defaults = {}
    for m in re.finditer(r"^static\s+\w+\s+pref_(\w+)\s*=\s*(\w+);", read("packet-wsclose.c"),
                         re.M):
        value = m.group(2)
        if value.startswith("WSCLOSE_NAMES_"):
            value = value[len("WSCLOSE_NAMES_"):].lower()
        defaults[m.group(1)] = {"true": True, "false": False}.get(value, value)
    data["pref_defaults"] = defaults

    data["consts"] = {k: consts[k] for k in (
        "WSCLOSE_ALIAS_1007_NAME", "WSCLOSE_ALIAS_1007_MEANING", "WSCLOSE_EMPTY_CODE",
        "WSCLOSE_ABORTED_CODE", "WSCLOSE_ERROR_INVALID_PARAMETER",
        "WSCLOSE_ERROR_INVALID_OPERATION", "WSCLOSE_ERROR_INVALID_SERVER_RESPONSE",
        "WSCLOSE_API_REASON_MAX", "WSCLOSE_CONTROL_PAYLOAD_MAX", "WSCLOSE_OPCODE_CLOSE",
        "REASON_EXAMINE_MAX", "WSCLOSE_KEY_MAX", "WSCLOSE_OFFER_MAX", "WSCLOSE_ACCEPT_LEN",
        "HTTP_HEAD_MAX")}
    return data


def render(data):
    out = ["-- Generated by lua/gen_lua.py from plugin/*.c and *.h: do not edit here.", "local DATA = {}"]
    out.append("DATA.proto = {description = %s, short_name = %s, filter_name = %s}"
               % tuple(lua_str(v) for v in data["proto"]))
    out.append("DATA.consts = {")
    for k, v in sorted(data["consts"].items()):
        out.append("    %s = %s," % (k[len("WSCLOSE_"):] if k.startswith("WSCLOSE_") else k,
                                     lua_str(v)))
    out.append("}")
    out.append("-- The close code table (winhttp_status.c), by code.")
    out.append("DATA.codes = {")
    for c in data["codes"]:
        out.append("    [%d] = %s," % (c["code"], lua_table(c, ("winhttp", "meaning", "websocket_h",
                                                                  "dotnet", "iana"))))
    out.append("}")
    out.append("DATA.first_code = %d" % data["codes"][0]["code"])
    out.append("DATA.last_code = %d" % data["codes"][-1]["code"])
    out.append("-- The classes of a code (winhttp_status.h), in enum order: {key, label, short label}.")
    out.append("DATA.classes = {")
    for key, long_label, short_label in data["classes"]:
        out.append("    {%s, %s, %s}," % (lua_str(key), lua_str(long_label), lua_str(short_label)))
    out.append("}")
    out.append("-- What a label calls a name set that lacks a name (wsclose_label.c).")
    out.append("DATA.set_short_names = {")
    for k, v in sorted(data["set_short_names"].items()):
        out.append("    %s = %s," % (k, lua_str(v)))
    out.append("}")
    out.append("-- The WinHTTP error codes (winhttp_api.c).")
    out.append("DATA.errors = {")
    for e in data["errors"]:
        out.append("    %s," % lua_table(e, ("code", "name", "meaning")))
    out.append("}")
    out.append("-- The name-set preference's values (packet-wsclose.c).")
    out.append("DATA.name_sets = {")
    for n in data["name_sets"]:
        out.append("    %s," % lua_table(n, ("name", "description", "set")))
    out.append("}")
    out.append("-- The preferences (packet-wsclose.c).")
    out.append("DATA.prefs = {")
    for p in data["prefs"]:
        out.append("    %s = %s," % (p["name"], lua_table(p, ("kind", "title", "description",
                                                             "default"))))
    out.append("}")
    out.append("DATA.pref_defaults = {")
    for k, v in sorted(data["pref_defaults"].items()):
        out.append("    %s = %s," % (k, lua_str(int(v) if str(v).isdigit() else v)))
    out.append("}")
    out.append("-- The fields (packet-wsclose.c, wsclose_end_view.c, wsclose_view.c, "
               "wsclose_upgrade_view.c), in registration order.")
    out.append("DATA.fields = {")
    for f in data["fields"]:
        out.append("    %s," % lua_table(f, ("key", "name", "abbrev", "type", "base", "frametype",
                                             "vals", "custom", "blurb")))
    out.append("}")
    out.append("-- The opening handshake (wsclose_upgrade.c, wsclose_upgrade_view.c, winhttp_api.c): the")
    out.append("-- GUID of Sec-WebSocket-Accept, the expert item of each problem of a 101 in drawing")
    out.append("-- order, and the texts.")
    out.append("DATA.upgrade_guid = %s" % lua_str(data["upgrade_guid"]))
    out.append("DATA.upgrade_problems = {%s}" % ", ".join(lua_str(k) for k in
                                                          data["upgrade_problems"]))
    out.append("DATA.upgrade_texts = {")
    for k, v in sorted(data["upgrade_texts"].items()):
        out.append("    %s = %s," % (k, lua_str(v)))
    out.append("}")
    out.append("-- The statistics tree (wsclose_stats.c): row names and formats, title.")
    out.append("DATA.stats = {")
    for k, v in sorted(data["stats"].items()):
        out.append("    %s = %s," % (k, lua_str(v)))
    out.append("}")
    conv = data["conv"]
    out.append("-- The per-connection table (wsclose_conv.c): title, -z argument, table name, "
               "columns in")
    out.append("-- order, and the texts of its cells.")
    out.append("DATA.conv = {")
    for k in ("title", "abbrev", "table"):
        out.append("    %s = %s," % (k, lua_str(conv[k])))
    out.append("    columns = {")
    for c in conv["columns"]:
        out.append("        %s," % lua_table(c, ("title", "type", "format")))
    out.append("    },")
    out.append("    texts = {")
    for k, v in sorted(conv["texts"].items()):
        out.append("        %s = %s," % (k, lua_str(v)))
    out.append("    },")
    out.append("}")
    out.append("-- The expert items (packet-wsclose.c, wsclose_end_view.c, wsclose_upgrade_view.c), in "
               "registration order.")
    out.append("DATA.experts = {")
    for e in data["experts"]:
        out.append("    %s," % lua_table(e, ("key", "abbrev", "group", "severity", "text")))
    out.append("}")
    return "\n".join(out) + "\n"


def generate():
    with open(TEMPLATE, encoding="utf-8") as f:
        template = f.read()
    if template.count(MARK) != 1:
        raise SystemExit("gen_lua: %s must hold %s once" % (TEMPLATE, MARK))
    return template.replace(MARK, render(collect()).rstrip("\n"))


def main(argv):
    text = generate()
    if argv[1:] == ["--check"]:
        with open(OUTPUT, encoding="utf-8") as f:
            if f.read() != text:
                print("lua/wsclose.lua is not what lua/gen_lua.py writes: run "
                      "/usr/bin/python3 lua/gen_lua.py and commit lua/wsclose.lua")
                return 1
        print("lua/wsclose.lua is current")
        return 0
    if argv[1:]:
        raise SystemExit("usage: gen_lua.py [--check]")
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
