/* A WinHTTP WebSocket client for captures/record/record.py (run under Wine).
 *
 *   x86_64-w64-mingw32-gcc -O2 -o client.exe client.c -lwinhttp
 *   wine client.exe HOST PORT PATH [STEP ...]
 *
 * It opens one ws:// connection with the WinHTTP WebSocket API in synchronous mode
 * (WinHttpOpen, WinHttpConnect, WinHttpOpenRequest, WinHttpSetOption(UPGRADE_TO_WEB_SOCKET),
 * WinHttpSendRequest, WinHttpReceiveResponse, WinHttpWebSocketCompleteUpgrade), runs the
 * STEPs in order, then closes whatever handles are still open.  Steps:
 *
 *   send:TEXT             WinHttpWebSocketSend, a UTF-8 message
 *   recv                  WinHttpWebSocketReceive into a 1024-byte buffer
 *   query                 WinHttpWebSocketQueryCloseStatus (123-byte reason buffer)
 *   close:CODE[:HEX]      WinHttpWebSocketClose(CODE, reason bytes given in hex)
 *   close-echo            WinHttpWebSocketClose with the status of the last successful query
 *                         (1000 if there was none), no reason
 *   shutdown:CODE[:HEX]   WinHttpWebSocketShutdown
 *   opt:NAME:N:HANDLE     WinHttpSetOption(HANDLE, WINHTTP_OPTION_NAME, DWORD N), NAME is
 *                         WEB_SOCKET_CLOSE_TIMEOUT or RECEIVE_TIMEOUT, HANDLE is session,
 *                         request or websocket; session and request options are set during the
 *                         upgrade (right after WinHttpOpen / WinHttpOpenRequest), in their order
 *   sleep:MS              Sleep
 *   closews               WinHttpCloseHandle(websocket)
 *   proto:NAME            offer the subprotocol NAME: WinHttpAddRequestHeaders adds
 *                         `Sec-WebSocket-Protocol: NAME` before WinHttpSendRequest
 *   query-protocol        WinHttpQueryHeaders for the response's Sec-WebSocket-Protocol (what an
 *                         application reads to learn the server's choice), before
 *                         WinHttpWebSocketCompleteUpgrade
 *
 * proto and query-protocol belong to the upgrade, wherever they stand among the steps.
 *
 * Every WinHTTP call is one JSON line on stdout, in order: {"call": name, "ok": bool,
 * "error": the returned DWORD or GetLastError(), "error_name", "ms": how long the call took,
 * plus call-specific keys}.  Strings in the output are ASCII (reasons are hex).  A step after
 * a failed upgrade is skipped.  Exit status 0 unless the arguments are wrong.
 */

#include <winsock2.h> /* SOCKADDR_STORAGE for WINHTTP_CONNECTION_INFO (header only) */
#include <windows.h>
#include <winhttp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static HINTERNET session, connection, request, websocket;
static int have_query_status;
static USHORT last_query_status = 1000;
static const char *offered_protocol; /* proto:NAME */
static int query_protocol;           /* query-protocol */

static wchar_t *widen(const char *s);

static const char *error_name(DWORD e)
{
    switch (e) {
    case ERROR_SUCCESS: return "ERROR_SUCCESS";
    case ERROR_INVALID_HANDLE: return "ERROR_INVALID_HANDLE";
    case ERROR_NOT_ENOUGH_MEMORY: return "ERROR_NOT_ENOUGH_MEMORY";
    case ERROR_INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
    case ERROR_INSUFFICIENT_BUFFER: return "ERROR_INSUFFICIENT_BUFFER";
    case ERROR_IO_PENDING: return "ERROR_IO_PENDING";
    case ERROR_INVALID_OPERATION: return "ERROR_INVALID_OPERATION";
    case ERROR_NOT_SUPPORTED: return "ERROR_NOT_SUPPORTED";
    case ERROR_CONNECTION_ABORTED: return "ERROR_CONNECTION_ABORTED";
    case ERROR_TIMEOUT: return "ERROR_TIMEOUT";
    case WSAECONNABORTED: return "WSAECONNABORTED";
    case WSAECONNRESET: return "WSAECONNRESET";
    case WSAESHUTDOWN: return "WSAESHUTDOWN";
    case ERROR_WINHTTP_TIMEOUT: return "ERROR_WINHTTP_TIMEOUT";
    case ERROR_WINHTTP_INVALID_OPTION: return "ERROR_WINHTTP_INVALID_OPTION";
    case ERROR_WINHTTP_OPTION_NOT_SETTABLE: return "ERROR_WINHTTP_OPTION_NOT_SETTABLE";
    case ERROR_WINHTTP_OPERATION_CANCELLED: return "ERROR_WINHTTP_OPERATION_CANCELLED";
    case ERROR_WINHTTP_INCORRECT_HANDLE_TYPE: return "ERROR_WINHTTP_INCORRECT_HANDLE_TYPE";
    case ERROR_WINHTTP_INCORRECT_HANDLE_STATE: return "ERROR_WINHTTP_INCORRECT_HANDLE_STATE";
    case ERROR_WINHTTP_CANNOT_CONNECT: return "ERROR_WINHTTP_CANNOT_CONNECT";
    case ERROR_WINHTTP_CONNECTION_ERROR: return "ERROR_WINHTTP_CONNECTION_ERROR";
    case ERROR_WINHTTP_INVALID_SERVER_RESPONSE: return "ERROR_WINHTTP_INVALID_SERVER_RESPONSE";
    case ERROR_WINHTTP_HEADER_NOT_FOUND: return "ERROR_WINHTTP_HEADER_NOT_FOUND";
    default: return "";
    }
}

static const char *buffer_type_name(WINHTTP_WEB_SOCKET_BUFFER_TYPE t)
{
    switch (t) {
    case WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE: return "WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE";
    case WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE: return "WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE";
    case WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE: return "WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE";
    case WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE: return "WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE";
    case WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE: return "WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE";
    default: return "";
    }
}

static void hex(char *out, const BYTE *p, DWORD n)
{
    static const char digits[] = "0123456789abcdef";
    DWORD i;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

static DWORD unhex(const char *s, BYTE *out, DWORD max)
{
    DWORD n = 0;
    while (s[0] && s[1] && n < max) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) break;
        out[n++] = (BYTE)v;
        s += 2;
    }
    return n;
}

/* One JSON line: the common keys, then `extra` (already JSON, starting with a comma, or ""). */
static void report(const char *call, BOOL ok, DWORD err, DWORD ms, const char *extra)
{
    printf("{\"call\": \"%s\", \"ok\": %s, \"error\": %lu, \"error_name\": \"%s\", \"ms\": %lu%s}\n",
           call, ok ? "true" : "false", (unsigned long)err, error_name(err), (unsigned long)ms,
           extra);
    fflush(stdout);
}

static void step_note(const char *text)
{
    printf("{\"note\": \"%s\"}\n", text);
    fflush(stdout);
}

static void close_handle(const char *which, HINTERNET *h)
{
    char extra[64];
    DWORD t0, ms, err;
    BOOL ok;
    if (!*h) return;
    t0 = GetTickCount();
    ok = WinHttpCloseHandle(*h);
    err = ok ? ERROR_SUCCESS : GetLastError();
    ms = GetTickCount() - t0;
    snprintf(extra, sizeof extra, ", \"handle\": \"%s\"", which);
    report("WinHttpCloseHandle", ok, err, ms, extra);
    *h = NULL;
}

struct option { const char *name; DWORD id; DWORD value; const char *handle; };
static struct option options[16];
static int n_options;

static int parse_option(const char *arg, struct option *o)
{
    char *copy = strdup(arg), *name, *value, *handle;   /* kept: o->handle points into it */
    name = strtok(copy, ":");
    value = strtok(NULL, ":");
    handle = strtok(NULL, ":");
    if (!name || !value || !handle) return 0;
    if (!strcmp(name, "WEB_SOCKET_CLOSE_TIMEOUT")) {
        o->name = "WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT";
        o->id = WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT;
    } else if (!strcmp(name, "RECEIVE_TIMEOUT")) {
        o->name = "WINHTTP_OPTION_RECEIVE_TIMEOUT";
        o->id = WINHTTP_OPTION_RECEIVE_TIMEOUT;
    } else {
        return 0;
    }
    o->value = strtoul(value, NULL, 10);
    o->handle = handle;
    return !strcmp(handle, "session") || !strcmp(handle, "request") || !strcmp(handle, "websocket");
}

static void set_option(const struct option *o)
{
    char extra[160];
    HINTERNET h = !strcmp(o->handle, "session") ? session
                : !strcmp(o->handle, "request") ? request : websocket;
    DWORD value = o->value, t0 = GetTickCount(), err;
    BOOL ok = WinHttpSetOption(h, o->id, &value, sizeof value);
    err = ok ? ERROR_SUCCESS : GetLastError();
    snprintf(extra, sizeof extra, ", \"option\": \"%s\", \"value\": %lu, \"handle\": \"%s\"",
             o->name, (unsigned long)value, o->handle);
    report("WinHttpSetOption", ok, err, GetTickCount() - t0, extra);
}

static void set_options_for(const char *handle)
{
    int i;
    for (i = 0; i < n_options; i++)
        if (!strcmp(options[i].handle, handle)) set_option(&options[i]);
}

static int upgrade(const wchar_t *host, INTERNET_PORT port, const wchar_t *path)
{
    char extra[256];
    DWORD t0, err, status = 0, size;
    BOOL ok;

    t0 = GetTickCount();
    session = WinHttpOpen(L"wsclose-recorder", WINHTTP_ACCESS_TYPE_NO_PROXY,
                          WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
    err = session ? ERROR_SUCCESS : GetLastError();
    report("WinHttpOpen", session != NULL, err, GetTickCount() - t0, ", \"flags\": 0");
    if (!session) return 0;
    set_options_for("session");

    t0 = GetTickCount();
    connection = WinHttpConnect(session, host, port, 0);
    err = connection ? ERROR_SUCCESS : GetLastError();
    snprintf(extra, sizeof extra, ", \"port\": %u", (unsigned)port);
    report("WinHttpConnect", connection != NULL, err, GetTickCount() - t0, extra);
    if (!connection) return 0;

    t0 = GetTickCount();
    request = WinHttpOpenRequest(connection, L"GET", path, NULL, WINHTTP_NO_REFERER,
                                 WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    err = request ? ERROR_SUCCESS : GetLastError();
    report("WinHttpOpenRequest", request != NULL, err, GetTickCount() - t0, ", \"verb\": \"GET\"");
    if (!request) return 0;
    set_options_for("request");

    t0 = GetTickCount();
    ok = WinHttpSetOption(request, WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET, NULL, 0);
    err = ok ? ERROR_SUCCESS : GetLastError();
    report("WinHttpSetOption", ok, err, GetTickCount() - t0,
           ", \"option\": \"WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET\"");
    if (!ok) return 0;

    if (offered_protocol) {
        char header[200];
        snprintf(header, sizeof header, "Sec-WebSocket-Protocol: %s", offered_protocol);
        t0 = GetTickCount();
        ok = WinHttpAddRequestHeaders(request, widen(header), (DWORD)-1L, WINHTTP_ADDREQ_FLAG_ADD);
        err = ok ? ERROR_SUCCESS : GetLastError();
        snprintf(extra, sizeof extra, ", \"header\": \"%s\"", header);
        report("WinHttpAddRequestHeaders", ok, err, GetTickCount() - t0, extra);
        if (!ok)
            return 0;
    }

    t0 = GetTickCount();
    ok = WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, NULL, 0, 0, 0);
    err = ok ? ERROR_SUCCESS : GetLastError();
    report("WinHttpSendRequest", ok, err, GetTickCount() - t0, "");
    if (!ok) return 0;

    t0 = GetTickCount();
    ok = WinHttpReceiveResponse(request, NULL);
    err = ok ? ERROR_SUCCESS : GetLastError();
    report("WinHttpReceiveResponse", ok, err, GetTickCount() - t0, "");
    if (!ok) return 0;

    size = sizeof status;
    t0 = GetTickCount();
    ok = WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &status, &size, WINHTTP_NO_HEADER_INDEX);
    err = ok ? ERROR_SUCCESS : GetLastError();
    snprintf(extra, sizeof extra, ", \"query\": \"WINHTTP_QUERY_STATUS_CODE\", \"http_status\": %lu",
             (unsigned long)status);
    report("WinHttpQueryHeaders", ok, err, GetTickCount() - t0, extra);

    if (query_protocol) {
        wchar_t value[128];
        char ascii[128];
        size = sizeof value;
        t0 = GetTickCount();
        ok = WinHttpQueryHeaders(request, WINHTTP_QUERY_CUSTOM, L"Sec-WebSocket-Protocol", value,
                                 &size, WINHTTP_NO_HEADER_INDEX);
        err = ok ? ERROR_SUCCESS : GetLastError();
        if (!ok || !WideCharToMultiByte(CP_ACP, 0, value, -1, ascii, sizeof ascii, NULL, NULL))
            ascii[0] = 0;
        snprintf(extra, sizeof extra, ", \"query\": \"Sec-WebSocket-Protocol\"%s%s%s",
                 ok ? ", \"value\": \"" : "", ok ? ascii : "", ok ? "\"" : "");
        report("WinHttpQueryHeaders", ok, err, GetTickCount() - t0, extra);
    }

    /* The local address of the connection (the client's TCP port), as WinHTTP reports it. */
    {
        WINHTTP_CONNECTION_INFO info;
        unsigned local = 0, remote = 0;
        memset(&info, 0, sizeof info);
        info.cbSize = sizeof info;
        size = sizeof info;
        t0 = GetTickCount();
        ok = WinHttpQueryOption(request, WINHTTP_OPTION_CONNECTION_INFO, &info, &size);
        err = ok ? ERROR_SUCCESS : GetLastError();
        if (ok) {
            /* sin_port and sin6_port are both at offset 2, in network byte order */
            const BYTE *l = (const BYTE *)&info.LocalAddress, *r = (const BYTE *)&info.RemoteAddress;
            local = (l[2] << 8) | l[3];
            remote = (r[2] << 8) | r[3];
        }
        snprintf(extra, sizeof extra, ", \"option\": \"WINHTTP_OPTION_CONNECTION_INFO\", "
                 "\"local_port\": %u, \"remote_port\": %u", local, remote);
        report("WinHttpQueryOption", ok, err, GetTickCount() - t0, extra);
    }

    t0 = GetTickCount();
    websocket = WinHttpWebSocketCompleteUpgrade(request, 0);
    err = websocket ? ERROR_SUCCESS : GetLastError();
    report("WinHttpWebSocketCompleteUpgrade", websocket != NULL, err, GetTickCount() - t0, "");
    if (!websocket) return 0;

    /* As Microsoft's sample does: the request handle is not needed after the upgrade. */
    close_handle("request", &request);
    return 1;
}

static void do_send(const char *text)
{
    char extra[160];
    DWORD t0 = GetTickCount(), len = (DWORD)strlen(text);
    DWORD err = WinHttpWebSocketSend(websocket, WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE,
                                     (void *)text, len);
    snprintf(extra, sizeof extra, ", \"buffer_type\": \"%s\", \"bytes\": %lu",
             buffer_type_name(WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE), (unsigned long)len);
    report("WinHttpWebSocketSend", err == ERROR_SUCCESS, err, GetTickCount() - t0, extra);
}

static void do_recv(void)
{
    static BYTE buf[1024];
    char extra[256];
    DWORD read = 0, t0 = GetTickCount(), err;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type = (WINHTTP_WEB_SOCKET_BUFFER_TYPE)-1;
    err = WinHttpWebSocketReceive(websocket, buf, sizeof buf, &read, &type);
    if (err == ERROR_SUCCESS)
        snprintf(extra, sizeof extra, ", \"buffer_type\": \"%s\", \"buffer_type_value\": %d, "
                 "\"bytes\": %lu", buffer_type_name(type), (int)type, (unsigned long)read);
    else
        extra[0] = 0;
    report("WinHttpWebSocketReceive", err == ERROR_SUCCESS, err, GetTickCount() - t0, extra);
}

static void do_query(void)
{
    BYTE reason[WINHTTP_WEB_SOCKET_MAX_CLOSE_REASON_LENGTH];
    char reason_hex[2 * sizeof reason + 1], extra[2 * sizeof reason + 128];
    USHORT status = 0;
    DWORD consumed = 0, t0 = GetTickCount(), err;
    err = WinHttpWebSocketQueryCloseStatus(websocket, &status, reason, sizeof reason, &consumed);
    if (err == ERROR_SUCCESS) {
        hex(reason_hex, reason, consumed <= sizeof reason ? consumed : 0);
        snprintf(extra, sizeof extra, ", \"status\": %u, \"reason_hex\": \"%s\", \"consumed\": %lu",
                 (unsigned)status, reason_hex, (unsigned long)consumed);
        have_query_status = 1;
        last_query_status = status;
    } else {
        snprintf(extra, sizeof extra, ", \"consumed\": %lu", (unsigned long)consumed);
    }
    report("WinHttpWebSocketQueryCloseStatus", err == ERROR_SUCCESS, err, GetTickCount() - t0,
           extra);
}

static void do_close(int shutdown, USHORT status, const BYTE *reason, DWORD len)
{
    char reason_hex[2 * 256 + 1], extra[2 * 256 + 64];
    DWORD t0 = GetTickCount(), err;
    if (shutdown)
        err = WinHttpWebSocketShutdown(websocket, status, len ? (void *)reason : NULL, len);
    else
        err = WinHttpWebSocketClose(websocket, status, len ? (void *)reason : NULL, len);
    hex(reason_hex, reason, len);
    snprintf(extra, sizeof extra, ", \"status\": %u, \"reason_hex\": \"%s\", \"reason_length\": %lu",
             (unsigned)status, reason_hex, (unsigned long)len);
    report(shutdown ? "WinHttpWebSocketShutdown" : "WinHttpWebSocketClose", err == ERROR_SUCCESS,
           err, GetTickCount() - t0, extra);
}

static void code_reason(const char *arg, USHORT *status, BYTE *reason, DWORD *len)
{
    const char *colon = strchr(arg, ':');
    *status = (USHORT)strtoul(arg, NULL, 10);
    *len = colon ? unhex(colon + 1, reason, 256) : 0;
}

static wchar_t *widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = malloc(n * sizeof *w);
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

int main(int argc, char **argv)
{
    int i, up;
    if (argc < 4) {
        fprintf(stderr, "usage: client.exe HOST PORT PATH [STEP ...]\n");
        return 2;
    }
    for (i = 4; i < argc; i++) {
        struct option o;
        if (!strncmp(argv[i], "proto:", 6))
            offered_protocol = argv[i] + 6;
        if (!strcmp(argv[i], "query-protocol"))
            query_protocol = 1;
        if (strncmp(argv[i], "opt:", 4)) continue;
        if (!parse_option(argv[i] + 4, &o)) {
            fprintf(stderr, "bad option step %s\n", argv[i]);
            return 2;
        }
        if (strcmp(o.handle, "websocket") && n_options < 16) options[n_options++] = o;
    }
    up = upgrade(widen(argv[1]), (INTERNET_PORT)atoi(argv[2]), widen(argv[3]));
    for (i = 4; i < argc && up; i++) {
        const char *s = argv[i];
        BYTE reason[256];
        USHORT status;
        DWORD len;
        if (!strncmp(s, "send:", 5)) {
            do_send(s + 5);
        } else if (!strcmp(s, "recv")) {
            do_recv();
        } else if (!strcmp(s, "query")) {
            do_query();
        } else if (!strncmp(s, "close:", 6)) {
            code_reason(s + 6, &status, reason, &len);
            do_close(0, status, reason, len);
        } else if (!strcmp(s, "close-echo")) {
            do_close(0, have_query_status ? last_query_status : 1000, reason, 0);
        } else if (!strncmp(s, "shutdown:", 9)) {
            code_reason(s + 9, &status, reason, &len);
            do_close(1, status, reason, len);
        } else if (!strncmp(s, "opt:", 4)) {
            struct option o;
            parse_option(s + 4, &o);
            if (!strcmp(o.handle, "websocket")) set_option(&o);
        } else if (!strncmp(s, "sleep:", 6)) {
            Sleep(strtoul(s + 6, NULL, 10));
        } else if (!strcmp(s, "closews")) {
            close_handle("websocket", &websocket);
        } else if (!strncmp(s, "proto:", 6) || !strcmp(s, "query-protocol")) {
            /* done during the upgrade */
        } else {
            fprintf(stderr, "unknown step %s\n", s);
            return 2;
        }
    }
    if (!up) step_note("upgrade failed: steps skipped");
    close_handle("websocket", &websocket);
    close_handle("request", &request);
    close_handle("connect", &connection);
    close_handle("session", &session);
    return 0;
}
