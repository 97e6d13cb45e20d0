/// The events a client logs (documented in include/dcs.h, dcs_config_set_log).
struct CallLog: Sendable {
    let sink: LogSink?
    let redactor: SecretRedactor

    func callAsFunction(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard let sink, level >= sink.minimum else { return }
        sink.write(level, redactor.redact(message()))
    }
}
