"""Clock skew through the binding: the emulator's clock an hour ahead, the first signature is
refused, the library adopts the service's time and sends once more, and says so in the log."""

import logging

import dcs


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_clock_skew_is_corrected(make_client, emu):
    emu.set_clock_offset(3600)
    logger = logging.getLogger("dcs.test.clock")
    logger.setLevel(logging.DEBUG)
    collect = Collect()
    logger.addHandler(collect)
    try:
        client = make_client(logger=logger, log_level=logging.WARNING)
        results = client.flush(["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"])
    finally:
        logger.removeHandler(collect)
    assert [r.outcome for r in results] == [dcs.Outcome.SUCCESS]
    assert emu.stats()["status_puts"] == 2  # refused once, then accepted
    warnings = [r.getMessage() for r in collect.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "the service's clock is" in warnings[0]
