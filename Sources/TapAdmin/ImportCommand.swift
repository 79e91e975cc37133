import ArgumentParser
import Foundation
import TapAPI
import TapCore
import TapCrypto

extension SessionCommand {
    /// `tapstation session import FILE.csv`: a whole bench's devices at once.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a session for every device in a CSV file, checking every row before creating any.",
            discussion: """
                Columns (first line): serialNumber, platform, userPrincipalName, preset; optional model, assetTag, reason.
                Every bad row is reported with its line number and nothing is created. The passes are written once:
                to stdout as CSV or JSON lines, or with --slips as a print-ready HTML slip sheet when the policy
                allows paper passes (it does not by default). Running the same file again creates nothing twice.
                """)

        /// How passes reach the bench.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case csv, jsonl
        }

        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "Passes on stdout as csv or jsonl (JSON lines).") var format: Format = .csv
        @Option(
            help: "Write the passes as an HTML slip sheet to this new file instead of stdout (policy must allow paper)."
        )
        var slips: String?

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else {
                throw ConfigurationError("cannot read \(file) as UTF-8 text")
            }
            let client = try remote.client()
            let policy = try await runRemote { try await client.send("GET", "v1/policy", as: Policy.self) }
            if slips != nil, policy.paperPassesAllowed != true {
                printError(
                    "tapstation: the policy does not allow paper passes (paperPassesAllowed); nothing was created")
                throw ExitCode(1)
            }
            if let slips, FileManager.default.fileExists(atPath: slips) {
                throw ConfigurationError("\(slips) already exists; name a new file for the slip sheet")
            }
            let rows: [SessionImport.Row]
            switch SessionImport.read(text, presets: Set(policy.presets.keys)) {
            case .success(let read): rows = read
            case .failure(.file(let reason)):
                printError("tapstation: \(file): \(reason); nothing was created")
                throw ExitCode(1)
            case .failure(.rows(let bad)):
                for row in bad { printError("\(file): \(row)") }
                printError("tapstation: \(bad.count) bad row(s) in \(file); nothing was created")
                throw ExitCode(1)
            }

            // One key per chunk, derived from the file: running the same file again replays, never duplicates.
            let digest = Crypto.hex(try Crypto.sha256(Array(data))).prefix(32)
            let chunks = stride(from: 0, to: rows.count, by: 500).map { Array(rows[$0..<min($0 + 500, rows.count)]) }
            var progress = ProgressBar(total: rows.count)
            var delivered: [(SessionImport.Row, SessionView)] = []
            var refused: [(SessionImport.Row, Problem)] = []
            var replayed: [(SessionImport.Row, SessionView)] = []
            progress.draw(done: 0)
            for (number, chunk) in chunks.enumerated() {
                let answer = try await runRemote {
                    try await client.send(
                        "POST", "v1/sessions/batch", body: CreateSessionBatchRequest(sessions: chunk.map(\.request)),
                        headers: ["Idempotency-Key": "import-\(digest)-\(number)"], timeout: 300,
                        as: SessionBatchResponse.self)
                }
                for item in answer.items where item.index < chunk.count {
                    let row = chunk[item.index]
                    if let session = item.session {
                        if session.pass?.temporaryAccessPass != nil {
                            delivered.append((row, session))
                        } else {
                            replayed.append((row, session))
                        }
                    } else if let problem = item.problem {
                        refused.append((row, problem))
                    }
                }
                progress.draw(done: min((number + 1) * 500, rows.count))
            }
            progress.finish()

            if let slips {
                let sheet = SlipSheet.render(
                    delivered.compactMap { row, session in
                        guard let pass = session.pass, let value = pass.temporaryAccessPass else { return nil }
                        return SlipSheet.Slip(
                            serialNumber: session.device?.serialNumber.value ?? "",
                            assetTag: row.request.device?.assetTag,
                            model: row.request.device?.model, userPrincipalName: session.userPrincipalName.value,
                            pass: value,
                            expires: pass.expirationDateTime)
                    }, title: "TapStation passes — \(URL(fileURLWithPath: file).lastPathComponent)", now: Date())
                guard
                    FileManager.default.createFile(
                        atPath: slips, contents: Data(sheet.utf8), attributes: [.posixPermissions: 0o600])
                else { throw ConfigurationError("cannot write \(slips)") }
                printError("slip sheet with \(delivered.count) pass(es) written to \(slips)")
            } else {
                if format == .csv {
                    print(
                        "line,serialNumber,assetTag,userPrincipalName,temporaryAccessPass,expirationDateTime,sessionId")
                }
                for (row, session) in delivered {
                    print(Self.line(row, session, format: format))
                }
            }
            for (row, session) in replayed {
                printError(
                    "\(file): line \(row.line): already created by an earlier run (session \(session.id)); its pass was shown then — reissue it if lost"
                )
            }
            for (row, problem) in refused {
                printError("\(file): line \(row.line): refused: \(problem.status) \(problem.code): \(problem.detail)")
            }
            printError(
                "created \(delivered.count), already created \(replayed.count), refused \(refused.count) of \(rows.count)"
            )
            if !refused.isEmpty { throw ExitCode(1) }
        }

        static func line(_ row: SessionImport.Row, _ session: SessionView, format: Format) -> String {
            let pass = session.pass?.temporaryAccessPass ?? ""
            let expires = session.pass.map { WireJSON.formatTime($0.expirationDateTime) } ?? ""
            switch format {
            case .csv:
                return [
                    String(row.line), session.device?.serialNumber.value ?? "", row.request.device?.assetTag ?? "",
                    session.userPrincipalName.value, pass, expires, session.id.rawValue,
                ].map(CSV.spreadsheetCell).joined(separator: ",")
            case .jsonl:
                let object: [String: JSONValue] = [
                    "line": .number(Double(row.line)),
                    "serialNumber": .string(session.device?.serialNumber.value ?? ""),
                    "assetTag": row.request.device?.assetTag.map(JSONValue.string) ?? .null,
                    "userPrincipalName": .string(session.userPrincipalName.value), "temporaryAccessPass": .string(pass),
                    "expirationDateTime": .string(expires), "sessionId": .string(session.id.rawValue),
                ]
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                return String(decoding: (try? encoder.encode(object)) ?? Data(), as: UTF8.self)
            }
        }
    }
}

/// A one-line progress bar on standard error (redrawn in place on a terminal, a line per step otherwise).
struct ProgressBar {
    let total: Int
    let isTerminal = isatty(STDERR_FILENO) == 1

    mutating func draw(done: Int) {
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = "[\(bar)] \(done)/\(total)"
        FileHandle.standardError.write(Data((isTerminal ? "\r\(text)" : "\(text)\n").utf8))
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
