"""The grader's agent inside the student's kernel: it answers questions, and decides nothing.

The grader sends this file (after :mod:`grading.wire`) into the kernel once per notebook, and opens a comm channel
to it.  From then on each question (or batch of questions) is one comm message: call the notebook's function or
object on the given arguments and send back what it returned, encoded by :mod:`grading.wire`.  Objects that are
not plain data stay here, in ``Agent.store``, and cross as handles.

Everything in the kernel can be replaced by the notebook, this agent included.  That is fine: the agent only
*reports*; the grader decodes its report as data and checks it.  A notebook that tampers with the agent can make
its answers wrong or missing, never right.

In the fast replay (:mod:`grading.replay`) the same class answers in the grader's process, without a kernel.
"""
import sys

from grading.wire import Ref, decode, dumps, encode, loads  # grader-only (the kernel gets wire.py's text)

MAX_MESSAGE = 2000  # characters of an exception's message that are reported


class Agent:
    """Answers the grader's questions from a notebook's namespace (its globals)."""

    def __init__(self, namespace):
        self.namespace = namespace
        self.store = []  # non-data objects the grader refers to by index

    def keep(self, obj):
        self.store.append(obj)
        return len(self.store) - 1

    def resolve(self, value):
        """Replace references in decoded arguments by the objects they name."""
        if isinstance(value, Ref):
            if isinstance(value.ref, str):
                if value.ref not in self.namespace:
                    raise NameError(f"the notebook defines no {value.ref!r}")
                target = self.namespace[value.ref]
            else:
                target = self.store[value.ref]
            for kind, key in value.path:
                target = getattr(target, key) if kind == "attr" else target[key]
            return target
        if type(value) is tuple:
            return tuple(self.resolve(v) for v in value)
        if type(value) is list:
            return [self.resolve(v) for v in value]
        if type(value) is dict:
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def handle(self, request):
        """Answer one request (a dict decoded from JSON); return the reply as a JSON-able dict.

        request: {"op": "ask", "target": ref, "args": tree, "kwargs": tree, "echo": [argument positions]}
                 or {"op": "fetch", "target": ref}
                 or {"op": "batch", "calls": [ask request, ...]} (several questions in one message).
        reply: {"status": "ok", "value": tree, "echo": [tree, ...]}
               or {"status": "raised", "type": exception type name, "message": text}
               or, to a batch, {"status": "ok", "answers": [reply, ...]}: the calls answered in order, up to and
               including the first that raised.
        """
        try:
            if request["op"] == "batch":
                answers = []
                for call in request["calls"]:
                    answers.append(self.handle(call))
                    if answers[-1]["status"] != "ok":
                        break
                return {"status": "ok", "answers": answers}
            target = self.resolve(decode(request["target"]))
            if request["op"] == "fetch":
                return {"status": "ok", "value": encode(target, self.keep), "echo": []}
            args = self.resolve(decode(request["args"]))
            kwargs = self.resolve(decode(request["kwargs"]))
            result = target(*args, **kwargs)
            return {"status": "ok", "value": encode(result, self.keep),
                    "echo": [encode(args[i], self.keep) for i in request["echo"]]}
        except BaseException as exc:  # the student's code raised (even SystemExit): report it as the answer
            return {"status": "raised", "type": _name_of(exc), "message": _message_of(exc)}

    def listen(self, target_name):
        """Kernel entry point: answer the grader's questions on a comm channel named `target_name`.

        Each question arrives as a comm message {"request": JSON text}; the reply goes back on the same comm as
        {"reply": JSON text}.  (A comm message is handled by the kernel without running a cell: no input
        transformers, no history -- a question costs about a millisecond, not the several of a cell.)
        """
        def opened(comm, open_msg):
            def received(msg):
                try:
                    reply = self.handle(loads(msg["content"]["data"]["request"]))
                except BaseException as exc:
                    reply = {"status": "raised", "type": _name_of(exc), "message": _message_of(exc)}
                comm.send({"reply": dumps(reply)})

            comm.on_msg(received)

        get_ipython().kernel.comm_manager.register_target(target_name, opened)  # noqa: F821 (IPython's global)


def _name_of(exc):
    try:
        return str(type(exc).__name__)[:100]
    except BaseException:
        return "Exception"


def _message_of(exc):
    try:
        return str(exc)[:MAX_MESSAGE]
    except BaseException:
        return "(an error whose message cannot be shown)"


def kernel_source():
    """The code that installs an agent in a kernel: wire.py's text, then this file's, with no package imports."""
    import inspect

    from grading import wire

    here = inspect.getsource(sys.modules[__name__])
    lines = [line for line in here.splitlines() if not line.endswith("# grader-only (the kernel gets wire.py's text)")]
    return inspect.getsource(wire) + "\n" + "\n".join(lines) + "\n"
