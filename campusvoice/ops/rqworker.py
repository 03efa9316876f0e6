"""The RQ worker class `campusvoice worker` runs (CAMPUSVOICE_TASKS_BACKEND=rq).

rq's worker quits when Redis goes away in the middle of a task, exactly as it quits when asked to
stop; `campusvoice worker` must wait for Redis in the first case and stop in the second, so this
worker remembers whether a signal asked it to stop.
"""

from rq.worker import Worker as RQWorker


class Worker(RQWorker):
    stop_requested = False

    def request_stop(self, signum, frame):
        # Class-wide: the management command that made the worker cannot reach the instance.
        Worker.stop_requested = True
        super().request_stop(signum, frame)
