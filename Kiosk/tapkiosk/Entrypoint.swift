import ArgumentParser
import AsyncHTTPClient
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import TapCore
import TapKiosk

#if canImport(Glibc)
    import Glibc
#endif

/// `tapkiosk`: the line-mode kiosk. This file is the edge: configuration, the terminal (lines in, text
/// out, signals), and the loop that feeds the flow's state machine and carries out what it asks for.
@main
struct TapKioskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tapkiosk",
        abstract: "The TapStation kiosk for field technicians and staging benches (line mode, any terminal).",
        discussion: """
            Settings come from flags, then TAPKIOSK_* environment variables, then the config file \
            (\(KioskConfiguration.defaultConfigFile) unless --config names another). The token is never a flag: \
            a new kiosk asks for the one-time enrolment code an admin created and keeps the token it gets in \
            the token file (mode 0600).
            """)

    @Option(help: "The service's base URL (or TAPKIOSK_SERVER).") var server: String?
    @Option(name: .customLong("token-file"), help: "Where the kiosk keeps its token (or TAPKIOSK_TOKEN_FILE).")
    var tokenFile: String?
    @Option(help: "The config file (or TAPKIOSK_CONFIG).") var config: String?
    @Flag(help: "No escape sequences at all: for serial lines and dumb terminals (or TAPKIOSK_PLAIN).") var plain =
        false

    func run() async throws {
        let configuration: KioskConfiguration
        do {
            configuration = try loadConfiguration()
        } catch {
            FileHandle.standardError.write(Data("tapkiosk: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let terminal = Terminal(renderer: ScreenRenderer(style: configuration.style))
        let clock = ServerClockBox()
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(45))))
        let (inputs, continuation) = AsyncStream.makeStream(of: KioskInput.self, bufferingPolicy: .unbounded)
        terminal.start(feeding: continuation)
        // One iterator for the whole run: an AsyncStream has a single consumer.
        var iterator = inputs.makeAsyncIterator()

        let base = configuration.server.absoluteString
        guard
            let token = await obtainToken(
                configuration: configuration, http: http, terminal: terminal, inputs: &iterator)
        else {
            terminal.finish()
            try? await http.shutdown()
            return
        }
        let client = KioskClient(base: base, token: token, http: http) { clock.observe(dateHeader: $0) }
        await runFlow(
            configuration: configuration, client: client, terminal: terminal, clock: clock, inputs: &iterator,
            continuation: continuation)
        terminal.finish()
        try? await http.shutdown()
    }

    /// Flags, environment and config file, resolved once.
    func loadConfiguration() throws -> KioskConfiguration {
        let flags = KioskConfiguration.Flags(server: server, tokenFile: tokenFile, config: config, plain: plain)
        return try KioskConfiguration.load(flags: flags, environment: ProcessInfo.processInfo.environment)
    }

    /// The token from the token file, or, on a kiosk's first start, from exchanging an enrolment code that the
    /// technician types (or `TAPKIOSK_ENROLMENT_CODE` holds). `nil` when the technician quits.
    func obtainToken(
        configuration: KioskConfiguration, http: HTTPClient, terminal: Terminal,
        inputs iterator: inout AsyncStream<KioskInput>.Iterator
    ) async -> String? {
        let file = TokenFile(path: configuration.tokenFile)
        var notice: String?
        do {
            if let token = try file.read() { return token }
            try file.write("")  // the code is spent by the exchange: make sure the token can be kept first
        } catch {
            notice = "\(error). Fix the token file, then restart the kiosk."
            terminal.show(Screen(title: "TapStation kiosk", body: [], notice: notice, prompt: "Ctrl-D: quit"))
            while let input = await iterator.next(), input != .endOfInput {}
            return nil
        }
        var pending = ProcessInfo.processInfo.environment["TAPKIOSK_ENROLMENT_CODE"]
        while true {
            if let code = pending {
                pending = nil
                switch await KioskClient.enrol(base: configuration.server.absoluteString, code: code, http: http) {
                case .success(let token):
                    do {
                        try file.write(token)
                        return token
                    } catch {
                        notice = "\(error); ask an admin for a new enrolment code."
                    }
                case .failure(.problem(_, "invalid_enrolment_code", _)):
                    notice = "That enrolment code is unknown, used or expired; check it or ask an admin for a new one."
                case .failure(.unreachable):
                    notice =
                        "The service at \(configuration.settings.serverName) is not answering; type the code again to retry."
                case .failure(let failure):
                    notice = failure.message
                }
            }
            terminal.show(
                Screen(
                    title: "TapStation kiosk · first start",
                    body: [
                        .text("This kiosk is not enrolled yet. Type the enrolment code an admin created for it"),
                        .text(
                            "(tapstation operator create --role kiosk --enrolment-code, or the API; see docs/kiosk.md)."
                        ),
                    ],
                    notice: notice, prompt: "Enrolment code (Ctrl-D: quit):"))
            // A line is a code to try; Ctrl-D quits; anything else draws the screen again.
            guard let input = await iterator.next() else { return nil }
            switch input {
            case .line(let bytes):
                if case .text(let text) = LineInput.clean(bytes), !text.isEmpty { pending = text }
            case .endOfInput: return nil
            default: break
            }
        }
    }

    /// The main loop: every input goes through the state machine, and its effects are carried out in order.
    func runFlow(
        configuration: KioskConfiguration, client: KioskClient, terminal: Terminal, clock: ServerClockBox,
        inputs iterator: inout AsyncStream<KioskInput>.Iterator, continuation: AsyncStream<KioskInput>.Continuation
    ) async {
        var machine = KioskMachine(
            settings: configuration.settings, now: clock.now(),
            idempotencyKeyPrefix: "kiosk-" + String(UInt64.random(in: .min ... .max), radix: 36))
        // The ticker, the calls and the stream are unstructured on purpose: each ends on its own (a call) or is
        // cancelled when the flow leaves the screen it served (the stream); results come back as inputs.
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                continuation.yield(.tick(clock.now()))
            }
        }
        defer { ticker.cancel() }
        var follower: Task<Void, Never>?
        continuation.yield(.start)
        while let input = await iterator.next() {
            for effect in machine.handle(input) {
                switch effect {
                case .show(let screen, let isRefresh):
                    terminal.show(screen, isRefresh: isRefresh)
                case .wipe:
                    terminal.wipe()
                case .call(let id, let call):
                    Task { continuation.yield(.answer(id, await client.perform(call))) }
                case .follow(let session, let lastEventID):
                    follower?.cancel()
                    follower = Task {
                        await client.followEvents(
                            of: session, lastEventID: lastEventID,
                            opened: { continuation.yield(.streamOpened(session)) },
                            event: { continuation.yield(.streamEvent(session, $0)) })
                        if !Task.isCancelled { continuation.yield(.streamClosed(session)) }
                    }
                case .stopFollowing:
                    follower?.cancel()
                    follower = nil
                case .exit:
                    follower?.cancel()
                    terminal.wipe()
                    return
                }
            }
        }
    }
}

/// The server's clock, shared between the HTTP answers that correct it and the ticker that reads it.
final class ServerClockBox: Sendable {
    private let clock = NIOLockedValueBox(ServerClock())

    /// Learns the offset from an answer's `Date` header.
    func observe(dateHeader: String) {
        let now = Date()
        clock.withLockedValue { $0.observe(dateHeader: dateHeader, receivedAt: now) }
    }

    /// The server's time now.
    func now() -> Date { clock.withLockedValue { $0.serverTime(at: Date()) } }
}

/// The kiosk's terminal: standard input read line by line on a thread of its own, screens written to standard
/// output, and the signals a keyboard sends turned into inputs (Ctrl-C) or ignored (Ctrl-Z, Ctrl-\).
final class Terminal: @unchecked Sendable {
    private let renderer: ScreenRenderer
    private var signalSources: [DispatchSourceSignal] = []
    /// Longest line buffered; a longer one is still reported as too long, with its length.
    private static let lineBufferLimit = 1 << 20

    init(renderer: ScreenRenderer) { self.renderer = renderer }

    /// Starts reading input and watching signals.
    func start(feeding continuation: AsyncStream<KioskInput>.Continuation) {
        // Ctrl-Z must not stop the kiosk (a stopped kiosk shows a shell prompt on some setups), Ctrl-\ must not
        // dump core, and background-terminal reads and writes must not stop it either.
        for ignored in [SIGTSTP, SIGQUIT, SIGTTIN, SIGTTOU, SIGPIPE] { signal(ignored, SIG_IGN) }
        for (number, input) in [(SIGINT, KioskInput.interrupt), (SIGWINCH, .resized)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(input) }
            source.resume()
            signalSources.append(source)
        }
        for number in [SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            // Stopped by the system: take anything secret off the screen first.
            source.setEventHandler { [self] in
                write(renderer.wipe())
                exit(0)
            }
            source.resume()
            signalSources.append(source)
        }
        let isTerminal = isatty(STDIN_FILENO) == 1
        let reader = Thread {
            var line: [UInt8] = []
            var length = 0
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 {
                    // Ctrl-D on a terminal is an empty read and the terminal stays usable; a closed input ends.
                    continuation.yield(.endOfInput)
                    if isTerminal { continue }
                    continuation.finish()
                    return
                }
                for byte in buffer[0..<count] {
                    if byte == 0x0A || byte == 0x0D {
                        // A line longer than the buffer keeps its true length for the message, not its bytes.
                        continuation.yield(.line(length > line.count ? [UInt8](repeating: 0x58, count: length) : line))
                        line.removeAll(keepingCapacity: true)
                        length = 0
                    } else {
                        length += 1
                        if line.count < Self.lineBufferLimit { line.append(byte) }
                    }
                }
            }
        }
        reader.start()
    }

    /// Clears the screen (and scrollback where possible) before the program ends.
    func finish() { write(renderer.wipe()) }

    /// Draws a screen (a refresh is skipped on plain terminals).
    func show(_ screen: Screen, isRefresh: Bool = false) {
        if let text = renderer.render(screen, width: width(), isRefresh: isRefresh) { write(text) }
    }

    /// Takes everything off the terminal.
    func wipe() { write(renderer.wipe()) }

    /// Columns of the terminal; 80 when it cannot say (a serial line).
    func width() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
    }

    /// Writes all of `text` to standard output.
    func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
