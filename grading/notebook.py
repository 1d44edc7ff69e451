"""The grader's side of a conversation with a notebook: ask it questions, get plain data back.

A check never touches the student's objects.  It holds a :class:`Notebook` and *asks*::

    dx, dW, db = nb.ask("dense_backward", dout, cache)         # call the notebook's function
    opt = nb.ask("MomentumSGD", [w], lr=0.1, momentum=0.9)      # not plain data: a Handle to the object
    nb.ask(opt.attr("step"), [g])                               # call a method of it
    v = nb.fetch(opt.attr("velocity"))                          # bring a value over, as data
    a, b = nb.ask_many([Call("f", x1), Call("f", x2)])          # several questions, one round trip

Arguments are sent as data (they are copies: the notebook cannot change the grader's arrays), answers come back as
data decoded by :mod:`grading.wire`.  Two kinds of notebook answer the same questions:

* :class:`KernelNotebook` -- a live Jupyter kernel (what ``nbgrader autograde`` grades), every question with a
  time limit; a kernel that dies or hangs fails the check with :class:`KernelDied` or :class:`QuestionTimedOut`;
* :class:`InProcessNotebook` -- a namespace in this process (the fast replay for authors, no kernel).
"""
from __future__ import annotations

import asyncio
import time
import uuid
from queue import Empty

import numpy as np

from grading import agent as agent_module
from grading import wire
from grading.expect import CheckFailed


class Handle(wire.Ref):
    """An object that stays in the notebook (a layer, an optimiser, a cache): pass it back to ``ask``, call its
    methods with ``nb.ask(h.attr("step"), ...)``, index it with ``h[0]``, read it with ``nb.fetch(...)``."""

    def __call__(self, *args, **kwargs):
        raise TypeError("a Handle lives in the notebook: use nb.ask(handle, ...) to call it")


class Call:
    """One question for :meth:`Notebook.ask_many`: call `target` on `args` and `kwargs`, exactly as
    ``nb.ask(target, *args, check_inputs_unchanged=..., **kwargs)`` would."""

    def __init__(self, target, *args, check_inputs_unchanged=True, **kwargs):
        self.target, self.args, self.kwargs = target, args, kwargs
        self.check_inputs_unchanged = check_inputs_unchanged


class StudentRaised(CheckFailed):
    """The notebook's code raised an exception while answering.  In a batch, `index` is the call that raised."""

    def __init__(self, what, exc_type, message, index=None):
        super().__init__(f"{what} raised {exc_type}: {message}")
        self.exc_type, self.exc_message, self.index = exc_type, message, index


class NoAnswer(CheckFailed):
    """The notebook gave no answer the grader can read: output flooded, agent replaced, data not plain."""


class KernelDied(CheckFailed):
    """The kernel died while answering (os._exit, a crash, the memory limit)."""


class QuestionTimedOut(CheckFailed):
    """The notebook took longer than the time limit to answer (an endless loop?)."""


def describe(value):
    """A short description of an argument, for messages that must not reveal hidden inputs."""
    if isinstance(value, np.ndarray):
        return f"array {value.shape}"
    if isinstance(value, wire.Ref):
        return "object"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (bool, int, float, str, np.generic)) and len(repr(value)) <= 12:
        return repr(value)
    return type(value).__name__


def _holds_array(value):
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_array(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_array(v) for v in value.values())
    return False


def _echo_positions(call):
    """The arguments of `call` the notebook sends back after the call, to see whether it changed them."""
    if not call.check_inputs_unchanged:
        return []
    return [i for i, a in enumerate(call.args) if _holds_array(a)]


def same_data(before, after):
    """Is `after` (echoed by the notebook after a call) the same data as `before` (what the grader sent)?"""
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and np.array_equal(before, after, equal_nan=True))
    if type(before) in (list, tuple):
        return (type(after) is type(before) and len(after) == len(before)
                and all(same_data(b, a) for b, a in zip(before, after)))
    if type(before) is dict:
        return (type(after) is dict and after.keys() == before.keys()
                and all(same_data(before[k], after[k]) for k in before))
    return True


class Notebook:
    """Questions to a notebook.  Subclasses provide ``_exchange(request) -> reply`` (JSON-able dicts)."""

    def handle(self, name):
        """A handle to a global the notebook defines (e.g. a function from its read-only set-up cell)."""
        return Handle(name)

    def ask(self, target, *args, check_inputs_unchanged=True, **kwargs):
        """Call the notebook's `target` (a global's name, or a Handle) on `args`; return its answer as data.

        Fails the check if the call raises, or -- unless check_inputs_unchanged=False, for functions whose job is
        to update an argument -- if it changed an array argument in place.
        """
        call = Call(target, *args, check_inputs_unchanged=check_inputs_unchanged, **kwargs)
        what = self.describe_call(target, args)
        return self._answer(call, what, self._exchange(self._request(call)))

    def ask_many(self, calls):
        """Ask several questions in ONE round trip; return an iterator over their answers, in order, as data.

        calls: a list of :class:`Call`, each asked as ``nb.ask`` would ask it.  The notebook answers them in order,
        in one message, and stops at the first call that raises.  The round trip happens here; each answer is then
        checked as ``nb.ask`` checks it (StudentRaised if that call raised, with ``exc.index`` saying which call;
        CheckFailed if it changed an argument in place; NoAnswer if it is not data) when the iterator reaches it.
        So a check that reads the answers one by one, checking each, fails where and as it would have failed
        asking them one by one; ``list(nb.ask_many(calls))`` stops at the first answer that fails.  Read every
        answer: one that is never read is never checked.

        The batch is one question: one time limit, one limit on output.  A call cannot use an earlier call's
        answer (its arguments are sent before any call runs), but a Handle it names may be changed by them.
        On the wire: {"op": "batch", "calls": [request of nb.ask, ...]} goes to the notebook, and
        {"status": "ok", "answers": [reply of nb.ask, ...]} comes back (at most one answer per call).
        """
        calls = list(calls)
        if not calls:
            return iter([])
        whats = [self.describe_call(call.target, call.args) for call in calls]
        what = whats[0] + (f" and the {len(calls) - 1} question(s) asked with it" if len(calls) > 1 else "")
        reply = self._ask(what, {"op": "batch", "calls": [self._request(call) for call in calls]})
        answers = reply.get("answers")
        if type(answers) is not list or len(answers) > len(calls):
            raise NoAnswer(f"{what}: the notebook gave no answer the grader can read")
        return self._answers(calls, whats, answers)

    def _answers(self, calls, whats, answers):
        """Each call's answer, checked when it is reached (see ask_many)."""
        for i, call in enumerate(calls):
            if i == len(answers):
                raise NoAnswer(f"{whats[i]}: the notebook gave no answer (its answers stopped short)")
            yield self._answer(call, whats[i], answers[i], index=i)

    def ask_raises(self, target, *args, **kwargs):
        """Call `target`, expecting an exception; return (exception type name, message)."""
        what = self.describe_call(target, args)
        try:
            self._ask(what, self._request(Call(target, *args, check_inputs_unchanged=False, **kwargs)))
        except StudentRaised as exc:
            return exc.exc_type, exc.exc_message
        raise CheckFailed(f"{what} should have raised an error, but returned normally")

    def fetch(self, target):
        """The value of a notebook object (a Handle, e.g. ``opt.attr("velocity")``, or a global's name)."""
        what = f"reading {target!r}" if isinstance(target, str) else "reading an attribute of the notebook's object"
        reply = self._ask(what, {"op": "fetch", "target": self._ref(target)})
        return self._decode(reply.get("value"), what)

    # -- plumbing -------------------------------------------------------------------------------------------
    @staticmethod
    def describe_call(target, args):
        if isinstance(target, str):
            name = target
        elif isinstance(target, wire.Ref) and target.path and target.path[-1][0] == "attr":
            name = f"the notebook's object .{target.path[-1][1]}"
        else:
            name = "the notebook's object"
        return f"{name}({', '.join(describe(a) for a in args)})"

    @staticmethod
    def _ref(target):
        if isinstance(target, str):
            target = Handle(target)
        if not isinstance(target, wire.Ref):
            raise TypeError(f"ask/fetch take a name or a Handle, not {type(target).__name__}")
        return wire.encode(target)

    def _request(self, call):
        """The request that asks `call`: the arguments as data; echo names those to send back after the call."""
        return {"op": "ask", "target": self._ref(call.target), "args": wire.encode(tuple(call.args)),
                "kwargs": wire.encode(dict(call.kwargs)), "echo": _echo_positions(call)}

    def _answer(self, call, what, reply, index=None):
        """The value the notebook answered to `call`, once its arguments are known to be unchanged."""
        reply = self._checked(what, reply, index)
        value = self._decode(reply.get("value"), what)
        echo = _echo_positions(call)
        echoed = reply.get("echo")
        if echo and (type(echoed) is not list or len(echoed) != len(echo)):
            raise NoAnswer(f"{what}: the notebook's answer is incomplete")
        for i, after in zip(echo, echoed or []):
            if not same_data(call.args[i], self._decode(after, what)):
                raise CheckFailed(f"{what} changed its argument #{i + 1} in place; a function must not modify "
                                  "its inputs (work on a copy)", mistake="an input modified in place")
        return value

    def _ask(self, what, request):
        return self._checked(what, self._exchange(request))

    @staticmethod
    def _checked(what, reply, index=None):
        """`reply` if it is an answer; StudentRaised if it reports an exception; NoAnswer if it is neither."""
        if type(reply) is not dict or reply.get("status") not in ("ok", "raised"):
            raise NoAnswer(f"{what}: the notebook gave no answer the grader can read")
        if reply["status"] == "raised":
            exc_type, message = reply.get("type"), reply.get("message")
            exc_type = exc_type[:100] if type(exc_type) is str else "an exception"
            message = message[:agent_module.MAX_MESSAGE] if type(message) is str else ""
            raise StudentRaised(what, exc_type, message, index)
        return reply

    @staticmethod
    def _decode(tree, what):
        try:
            return wire.decode(tree, ref_type=Handle)
        except wire.WireError as exc:
            raise NoAnswer(f"{what}: {exc}") from None

    def _exchange(self, request):
        raise NotImplementedError


class InProcessNotebook(Notebook):
    """A notebook whose cells ran in this process, in `namespace` (the fast replay). Same wire as a kernel."""

    def __init__(self, namespace):
        self.agent = agent_module.Agent(namespace)

    def _exchange(self, request):
        request = wire.loads(wire.dumps(request))  # exactly what a kernel would receive, and send back
        return wire.loads(wire.dumps(self.agent.handle(request)))


class KernelNotebook(Notebook):
    """A live Jupyter kernel, driven through nbclient's async kernel client and manager.

    Every question has a time limit (`timeout`, seconds); at its end the kernel is interrupted and the check fails.
    Each question's output is read only up to `max_output` characters; a flood of printing fails the check.
    """

    def __init__(self, kc, km, *, timeout=30.0, max_output=wire.MAX_ANSWER_BYTES):
        self.kc, self.km = kc, km
        self.timeout, self.max_output = float(timeout), max_output
        self.name = f"_grader_agent_{uuid.uuid4().hex[:12]}"
        self.installed, self.comm_id = False, None
        self.deadline = None  # an overall deadline for the current check (time.monotonic()), if any

    def _exchange(self, request):
        from jupyter_core.utils import run_sync

        if self.installed and self.comm_id is None:
            raise NoAnswer("the grader could not start its questions in this notebook: has the notebook replaced "
                           "parts of Python or IPython?")
        if not self.installed:
            self.installed = True  # one try: a notebook that breaks the install fails every question after it
            source = agent_module.kernel_source()
            install = (f"{self.name} = {{}}\nexec(compile({source!r}, '<grader agent>', 'exec'), {self.name})\n"
                       f"{self.name} = {self.name}['Agent'](globals())\n{self.name}.listen({self.name!r})")
            run_sync(self._async_send)("execute_request", {
                "code": install, "silent": False, "store_history": False, "user_expressions": {},
                "allow_stdin": False, "stop_on_error": False}, False)
            comm_id = uuid.uuid4().hex
            run_sync(self._async_send)("comm_open", {"comm_id": comm_id, "target_name": self.name, "data": {}},
                                       False)
            self.comm_id = comm_id
        reply = run_sync(self._async_send)("comm_msg", {"comm_id": self.comm_id,
                                                        "data": {"request": wire.dumps(request)}}, True)
        return wire.loads(reply)

    async def _async_send(self, msg_type, content, want_answer):
        """Send one message to the kernel; collect its answer (a comm message back) until the kernel is idle."""
        limit = self.timeout
        if self.deadline is not None:
            limit = min(limit, self.deadline - time.monotonic())
        if limit <= 0:
            raise QuestionTimedOut("the checks of this task ran out of time: is there an endless loop?")
        msg = self.kc.session.msg(msg_type, content)
        self.kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        deadline = time.monotonic() + limit
        answers, errors, size = [], [], 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                await self._interrupt(msg_id)
                raise QuestionTimedOut(f"no answer within {limit:.0f} s: is there an endless loop?")
            try:
                msg = await self.kc.get_iopub_msg(timeout=min(1.0, remaining))
            except Empty:
                if not await _maybe_await(self.km.is_alive()):
                    raise KernelDied("the kernel died while answering (did the code exit Python or crash?)")
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue  # output of earlier cells (e.g. a background thread): not ours
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "status" and content.get("execution_state") == "idle":
                break
            data = content.get("data") if isinstance(content.get("data"), dict) else {}
            if kind == "comm_msg" and content.get("comm_id") == self.comm_id and "reply" in data:
                answers.append(data["reply"])
                size += len(str(answers[-1]))
            elif kind == "error":
                errors.append(f"{content.get('ename', '?')}: {content.get('evalue', '')}"[:500])
            else:
                size += len(str(content))
            if size > self.max_output:
                await self._interrupt(msg_id)
                raise NoAnswer("the notebook printed too much output while answering")
        if msg_type == "execute_request":
            await self._drain_reply(msg_id)
        if not want_answer:
            if errors:
                raise NoAnswer("the grader could not start its questions in this notebook "
                               f"({errors[0]}): has the notebook replaced parts of Python or IPython?")
            return None
        if len(answers) != 1:
            detail = f" ({errors[0]})" if errors else ""
            raise NoAnswer(f"the notebook gave {'no' if not answers else 'more than one'} answer the grader "
                           f"can read{detail}")
        return answers[0]

    async def _drain_reply(self, msg_id, timeout=5.0):
        """Take our execute_reply off the shell channel (nbclient would skip it anyway)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = await self.kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
            except Empty:
                return
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return

    async def _interrupt(self, msg_id):
        """Interrupt the kernel and wait (briefly) until it is idle again."""
        try:
            await _maybe_await(self.km.interrupt_kernel())
        except Exception:
            return
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            try:
                msg = await self.kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
            except Empty:
                break
            if (msg.get("parent_header", {}).get("msg_id") == msg_id and msg.get("msg_type") == "status"
                    and msg.get("content", {}).get("execution_state") == "idle"):
                break
        await self._drain_reply(msg_id, timeout=1.0)


async def _maybe_await(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value
