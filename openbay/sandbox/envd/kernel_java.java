// The Java kernel: runs cells in one JShell, like a notebook (variables, methods and classes
// of a cell are there for the next). Started by envd (code_runner.py) with the source
// launcher (`java kernel_java.java`) and two pipe fds in OPENBAY_KERNEL_FDS: one line of JSON
// per request in, one per reply out. JShell runs the snippets in this JVM ("local"), so
// System.out and System.err are the process's fds 1 and 2, flushed before each reply.
// A cell's last snippet, when an expression with a value, is its result.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;

class JavaKernel {
    private final JShell shell;
    private volatile boolean interrupted;

    JavaKernel(JShell shell) {
        this.shell = shell;
    }

    public static void main(String[] args) throws Exception {
        String[] fds = System.getenv("OPENBAY_KERNEL_FDS").split(",");
        BufferedReader requests = new BufferedReader(new InputStreamReader(
                new FileInputStream("/proc/self/fd/" + fds[0]), StandardCharsets.UTF_8));
        OutputStream replies = new FileOutputStream("/proc/self/fd/" + fds[1]);
        JShell shell = JShell.builder().executionEngine("local").out(System.out).err(System.err).build();
        JavaKernel kernel = new JavaKernel(shell);
        // envd interrupts a cell past its timeout with SIGINT: stop the snippet, keep the state
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> {
            kernel.interrupted = true;
            shell.stop();
        });
        send(replies, "{\"ready\": true}");
        String line;
        while ((line = requests.readLine()) != null) {
            Map<String, Object> request = Json.parseObject(line);
            kernel.interrupted = false;
            String reply = kernel.run((String) request.get("code"));
            System.out.flush();
            System.err.flush();
            send(replies, "{\"id\": " + Json.number(request.get("id")) + ", " + reply + "}");
        }
        System.exit(0);
    }

    private static void send(OutputStream replies, String json) throws Exception {
        replies.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        replies.flush();
    }

    /** "results": [...], "error": ... of one cell. */
    String run(String code) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = code;
        String value = null;
        String error = null;
        while (error == null && !remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            if (!info.completeness().isComplete()) {
                error = error("CompilationError", "the cell ends in the middle of a statement", remaining.strip());
                break;
            }
            remaining = info.remaining();
            value = null;
            for (SnippetEvent event : shell.eval(info.source())) {
                if (event.causeSnippet() != null) {
                    continue;  // a consequence of the snippet (a dependent updated), not the snippet
                }
                Snippet snippet = event.snippet();
                if (interrupted) {
                    error = error("KeyboardInterrupt", "the cell was interrupted", "");
                } else if (event.status() == Snippet.Status.REJECTED) {
                    String diags = shell.diagnostics(snippet).map(d -> describe(d, snippet))
                            .collect(Collectors.joining("\n"));
                    error = error("CompilationError", diags.isEmpty() ? "the snippet was rejected" : diags,
                                  snippet.source().strip());
                } else if (event.exception() != null) {
                    error = exception(event.exception());
                } else if (isExpression(snippet) && event.value() != null) {
                    value = event.value();
                }
                if (error != null) {
                    break;
                }
            }
        }
        String results = value == null ? "[]"
                : "[{\"text\": " + Json.string(value) + ", \"is_main_result\": true}]";
        return "\"results\": " + results + ", \"error\": " + (error == null ? "null" : error);
    }

    private static boolean isExpression(Snippet snippet) {
        return snippet.kind() == Snippet.Kind.EXPRESSION
                || snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
    }

    private static String describe(Diag diag, Snippet snippet) {
        String message = diag.getMessage(Locale.ROOT);
        long at = diag.getStartPosition();
        String source = snippet.source();
        if (at < 0 || at > source.length()) {
            return message;
        }
        int line = 1 + (int) source.substring(0, (int) at).chars().filter(c -> c == '\n').count();
        return "line " + line + ": " + message;
    }

    private static String exception(JShellException e) {
        String name;
        if (e instanceof EvalException) {
            name = ((EvalException) e).getExceptionClassName();
        } else if (e instanceof UnresolvedReferenceException) {
            name = "UnresolvedReferenceException";
        } else {
            name = e.getClass().getName();
        }
        StringBuilder trace = new StringBuilder(name);
        if (e.getMessage() != null) {
            trace.append(": ").append(e.getMessage());
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            trace.append("\n\tat ").append(frame);
        }
        String value = e.getMessage() != null ? e.getMessage() : "";
        if (e instanceof UnresolvedReferenceException) {
            Snippet snippet = ((UnresolvedReferenceException) e).getSnippet();
            value = "it uses what is not defined: " + snippet.source().strip();
        }
        return error(name.substring(name.lastIndexOf('.') + 1), value, trace.toString());
    }

    private static String error(String name, String value, String traceback) {
        return "{\"name\": " + Json.string(name) + ", \"value\": " + Json.string(value)
                + ", \"traceback\": " + Json.string(traceback) + "}";
    }
}

/** The JSON of envd's requests: one flat object of strings and numbers, and string escapes. */
final class Json {
    private final String text;
    private int at;

    private Json(String text) {
        this.text = text;
    }

    static Map<String, Object> parseObject(String text) {
        Json json = new Json(text);
        Map<String, Object> object = new LinkedHashMap<>();
        json.expect('{');
        json.skipSpace();
        if (json.peek() == '}') {
            return object;
        }
        do {
            json.skipSpace();
            String key = json.string();
            json.expect(':');
            json.skipSpace();
            object.put(key, json.value());
            json.skipSpace();
        } while (json.take() == ',');
        return object;
    }

    static String number(Object value) {
        if (value instanceof Double && (Double) value == Math.rint((Double) value)) {
            return Long.toString(((Double) value).longValue());
        }
        return String.valueOf(value);
    }

    static String string(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }

    private Object value() {
        char c = peek();
        if (c == '"') {
            return string();
        }
        if (text.startsWith("null", at)) {
            at += 4;
            return null;
        }
        if (text.startsWith("true", at) || text.startsWith("false", at)) {
            boolean value = text.startsWith("true", at);
            at += value ? 4 : 5;
            return value;
        }
        int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
        return Double.parseDouble(text.substring(start, at));
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = take();
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char escaped = take();
            switch (escaped) {
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'u':
                    out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                    break;
                default: out.append(escaped);  // " \ /
            }
        }
    }

    private void skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private char peek() {
        return text.charAt(at);
    }

    private char take() {
        return text.charAt(at++);
    }

    private void expect(char c) {
        skipSpace();
        if (take() != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + (at - 1));
        }
    }
}
