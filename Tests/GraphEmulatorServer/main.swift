import Foundation
import TapGraphEmulator

// The Graph emulator in its own process, for end-to-end runs of the real binaries in Entra mode:
//   graph-emulator --secret-file FILE --url-file FILE
// It serves Entra's token endpoint and Graph on a free loopback port, accepts the client secret in FILE for the
// tenant `contoso-tenant` and the client 11111111-2222-3333-4444-555555555555, writes its base URL to the URL file
// once it listens, and takes its users and devices through `/_emulator/` (GraphEmulatorControl.swift). It runs
// until it is killed.

func argument(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

guard let secretFile = argument("--secret-file"), let urlFile = argument("--url-file"),
    let secret = try? String(contentsOfFile: secretFile, encoding: .utf8)
else {
    FileHandle.standardError.write(Data("usage: graph-emulator --secret-file FILE --url-file FILE\n".utf8))
    exit(2)
}
let emulator = GraphEmulator(now: { Date() })
emulator.acceptSecret(secret.trimmingCharacters(in: .whitespacesAndNewlines))
emulator.enableControl()
try await emulator.start()
try Data((emulator.baseURL + "\n").utf8).write(to: URL(fileURLWithPath: urlFile))
while true { try await Task.sleep(for: .seconds(3600)) }
