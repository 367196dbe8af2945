# The R kernel: runs cells in the global environment, like a notebook.
# Started by envd (code_runner.py) with two pipe fds in OPENBAY_KERNEL_FDS: one line of
# JSON per request in, one per reply out. The cell's output is the process's fds 1 and 2
# (so system() output is caught as well), flushed before each reply. A visible value of the
# cell's last expression is its result, printed as R's console prints it; earlier visible
# values are printed to stdout, as Rscript does.
local({
  fds <- as.integer(strsplit(Sys.getenv("OPENBAY_KERNEL_FDS"), ",")[[1]])
  Sys.unsetenv("OPENBAY_KERNEL_FDS")
  requests <- file(sprintf("/proc/self/fd/%d", fds[1]), open = "r")
  replies <- file(sprintf("/proc/self/fd/%d", fds[2]), open = "w")
  send <- function(reply) {
    writeLines(as.character(jsonlite::toJSON(reply, auto_unbox = TRUE, null = "null", digits = NA)),
               replies)
    flush(replies)
  }
  run_user <- function(expr) eval(expr, envir = globalenv())
  user_calls <- function(calls) {  # the user's frames only: below run_user's eval, above stop()
    ours <- which(vapply(calls, function(call) identical(call[[1]], quote(run_user)), NA))
    if (length(ours) == 0L) return(list())
    calls <- calls[-seq_len(ours[1])]
    while (length(calls) && identical(calls[[1]], quote(eval(expr, envir = globalenv())))) calls <- calls[-1L]
    raised <- which(vapply(calls, function(call) identical(call[[1]], quote(.handleSimpleError)), NA))
    if (length(raised)) calls[seq_len(raised[1] - 1L)] else utils::head(calls, -1L)
  }
  describe <- function(condition, calls) {
    name <- if (inherits(condition, "interrupt")) "KeyboardInterrupt"
            else if (inherits(condition, "simpleError")) "Error" else class(condition)[1]
    call <- conditionCall(condition)
    if (identical(call, quote(eval(expr, envir = globalenv())))) call <- NULL  # raised at the top level
    head <- if (is.null(call)) sprintf("Error: %s", conditionMessage(condition))
            else sprintf("Error in %s : %s", paste(deparse(call, nlines = 1L), collapse = ""),
                         conditionMessage(condition))
    trace <- vapply(calls, function(call) paste(deparse(call, nlines = 1L), collapse = ""), "")
    list(name = name, value = conditionMessage(condition),
         traceback = paste(c(head, if (length(trace)) paste0("Called from: ", trace)), collapse = "\n"))
  }
  run_cell <- function(code) {
    results <- list()
    error <- NULL
    calls <- list()
    tryCatch(withCallingHandlers({
      exprs <- parse(text = code, keep.source = FALSE)
      n <- length(exprs)
      for (i in seq_len(n)) {
        shown <- withVisible(run_user(exprs[[i]]))
        if (!shown$visible) next
        if (i < n) print(shown$value)
        else results <- list(list(text = paste(utils::capture.output(print(shown$value)), collapse = "\n"),
                                  is_main_result = TRUE))
      }
    }, error = function(e) calls <<- user_calls(sys.calls()),
       warning = function(w) {
         message("Warning message:\n", conditionMessage(w))
         invokeRestart("muffleWarning")
       }),
    error = function(e) error <<- describe(e, calls),
    interrupt = function(i) error <<- describe(i, list()))
    list(results = results, error = error)
  }
  send(list(ready = TRUE))
  repeat {
    line <- tryCatch(readLines(requests, n = 1L, warn = FALSE), interrupt = function(i) NA)
    if (length(line) == 0L) break  # envd closed the pipe
    if (is.na(line[1])) next       # an interrupt that came between cells
    request <- jsonlite::fromJSON(line, simplifyVector = FALSE)
    reply <- run_cell(request$code)
    flush(stdout())
    flush(stderr())
    send(c(list(id = request$id), reply))
  }
})
