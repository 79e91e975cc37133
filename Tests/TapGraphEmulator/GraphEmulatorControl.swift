import Foundation

// The emulator's control API, for a run in its own process (`graph-emulator`): what tests in the same process do
// with method calls, over HTTP under `/_emulator/`. Off unless `enableControl()` was called.
extension GraphEmulator {
    /// Serves `/_emulator/…`: users, Intune's devices, a pass used, Graph down or up, and the state read back.
    public func enableControl() { lock.withLock { controlEnabled = true } }

    func control(method: String, path: [String], body: String) -> Answer {
        let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        switch (method, path.dropFirst().first ?? "") {
        case ("POST", "users"):
            guard let users = object["users"] as? [String] else { return Self.json(400, ["error": "users: [upn]"]) }
            for user in users { addUser(user) }
            return Self.json(200, ["users": users.count])
        case ("POST", "devices"):
            guard let devices = object["devices"] as? [[String: String]] else {
                return Self.json(400, ["error": "devices: [{serialNumber, userPrincipalName}]"])
            }
            for device in devices {
                guard let serial = device["serialNumber"] else { continue }
                addManagedDevice(
                    serialNumber: serial, enrolledAt: now(), userPrincipalName: device["userPrincipalName"])
            }
            return Self.json(200, ["devices": devices.count])
        case ("POST", "down"):
            guard let isDown = object["down"] as? Bool else { return Self.json(400, ["error": "down: true or false"]) }
            setDown(isDown)
            return Self.json(200, [:])
        case ("POST", "use"):
            guard let user = object["user"] as? String else { return Self.json(400, ["error": "user: upn"]) }
            usePass(of: user)
            return Self.json(200, [:])
        case ("GET", "state"):
            return lock.withLock {
                var single: [String: Int] = [:]
                var batches = 0
                var batched: [String: Int] = [:]
                for request in seen {
                    if request.route == .batch {
                        batches += 1
                    } else if request.batched {
                        batched["\(request.route)", default: 0] += 1
                    } else {
                        single["\(request.route)", default: 0] += 1
                    }
                }
                let passes = passes.mapValues { ["id": $0.id, "value": $0.value] }
                return Self.json(
                    200,
                    ["passes": passes, "batchCalls": batches, "batchedRequests": batched, "singleCalls": single])
            }
        default:
            return Self.json(404, ["error": "no such control"])
        }
    }
}
