"""JavaScript UDFs as BigQuery runs them: raw-string bodies, any number of arguments.

Raw-string bodies: ``AS r\"\"\"return x * 2;\"\"\"``.

BigQuery's JavaScript UDF examples write the body as a raw string
(https://cloud.google.com/bigquery/docs/user-defined-functions#javascript-udf-structure),
so that backslashes reach JavaScript unchanged
(https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#string_and_bytes_literals).
bqemulator's script parser unquotes only plain and triple-quoted strings and
hands ``r"..."`` to V8 with its prefix, which then fails to compile. This wraps
its ``_unquote_string``: a raw literal loses its prefix and quotes, and its
backslashes are kept as written.

Arity: bqemulator registers each JS UDF in DuckDB as ``invoke(*args)``, and
DuckDB's ``create_function`` counts that as one parameter, so a UDF of two or
more arguments (``mul(x FLOAT64, y FLOAT64)``) failed to register with
"2 types provided, but the provided function takes 1 parameters" and an
HTTP 500. uvicorn then closed that keep-alive connection, so the *next* query
sent on it by the client got "connection reset": under concurrent queries
that looked like an intermittent failure of whichever UDF query came next
(issue 11). :func:`install` gives the callable a signature of exactly as
many positional parameters as the UDF declares, which DuckDB reads instead.

One thread for V8's contexts: mini-racer (0.12 to 0.14.1, tried) frees a
context with ``mr_free_context``, and freeing it on another thread than the
one that made it kills the process (SIGSEGV, exit 139) once the context has
run a global regular expression (``s.replace(/\\D/g, '')``), probably V8's
per-thread regexp state. bqemulator makes each UDF's context on a short-lived
thread and closes it, when the script ends, on the request's thread, so such
a UDF took the whole emulator down (and every query after it). A small
subclass of ``MiniRacer`` makes and closes every context on one long-lived
thread; calls into a context still come from any thread, which V8 allows.
"""

from __future__ import annotations

import inspect
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

_QUOTES = ('"""', "'''", '"', "'")


def unquote_raw(unquote: Callable[[str], str]) -> Callable[[str], str]:
    """``unquote`` that also reads raw literals (``r'...'``, ``R\"\"\"...\"\"\"``)."""

    def unquote_string(raw: str) -> str:
        if raw[:1] in ("r", "R"):
            body = raw[1:]
            for quote in _QUOTES:
                if len(body) >= 2 * len(quote) and body.startswith(quote) and body.endswith(quote):
                    return body[len(quote):-len(quote)]
        return unquote(raw)

    return unquote_string


def with_arity(function: Callable[..., Any], count: int) -> Callable[..., Any]:
    """``function`` (``def f(*args)``) as DuckDB sees a function of ``count`` parameters.

    DuckDB reads the parameter count with :func:`inspect.signature`, which
    honours ``__signature__``; the call itself still goes to ``*args``.
    """
    positional = inspect.Parameter.POSITIONAL_ONLY
    function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(f"arg{index}", positional) for index in range(count)]
    )
    return function


class _ArityConnection:
    """A DuckDB connection whose ``create_function`` states the callable's arity."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def create_function(self, name: str, function: Callable[..., Any], parameters: Any = None,
                        return_type: Any = None, **options: Any) -> Any:
        if parameters is not None:
            function = with_arity(function, len(parameters))
        return self._connection.create_function(name, function, parameters, return_type, **options)


class _ArityEngine:
    """bqemulator's engine as the JS runtime sees it: the connection above, the rest as is."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    @property
    def connection(self) -> _ArityConnection:
        return _ArityConnection(self._engine.connection)


def one_thread_mini_racer(base: type) -> type:
    """``base`` (mini-racer's ``MiniRacer``) made and closed on one thread, always the same.

    Making a context waits for it. Closing does not: ``MiniRacer.__del__``
    closes, and the garbage collector runs it on whatever thread allocates,
    also on another context's event-loop thread while the V8 thread waits on
    that loop to make a new context (a deadlock, seen under four concurrent
    UDF queries), or in the middle of queuing work. So the work goes through
    a ``queue.SimpleQueue``, whose ``put`` is documented as safe to call from
    ``__del__`` (an executor's ``submit`` takes a lock, and deadlocked there).
    """
    work: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any] | None]] = queue.SimpleQueue()
    v8_thread_ident: list[int] = []

    def serve() -> None:
        v8_thread_ident.append(threading.get_ident())
        while True:
            call, done = work.get()
            try:
                result = call()
            except BaseException as exc:
                if done is not None:
                    done.set_exception(exc)
            else:
                if done is not None:
                    done.set_result(result)

    threading.Thread(target=serve, name="v8-contexts", daemon=True).start()

    class OneThreadMiniRacer(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            done: Future[None] = Future()
            work.put((lambda: base.__init__(self, *args, **kwargs), done))
            done.result()

        def close(self, *args: Any) -> None:
            if threading.get_ident() in v8_thread_ident:
                base.close(self, *args)
            else:
                work.put((lambda: base.close(self, *args), None))

    return OneThreadMiniRacer


def install() -> None:
    import py_mini_racer
    from bqemulator.scripting import parser
    from bqemulator.udf.js_udf import JavaScriptUDFRuntime

    parser._unquote_string = unquote_raw(parser._unquote_string)
    # js_udf imports MiniRacer from the package when it builds a context.
    py_mini_racer.MiniRacer = one_thread_mini_racer(py_mini_racer.MiniRacer)  # type: ignore[misc]
    materialize = JavaScriptUDFRuntime.materialize

    def materialize_with_arity(self: JavaScriptUDFRuntime, routine: Any, engine: Any) -> None:
        materialize(self, routine, _ArityEngine(engine))

    JavaScriptUDFRuntime.materialize = materialize_with_arity  # type: ignore[method-assign]
