import Foundation
import GRDB
import TapCore
import TapTestSupport
import Testing

@testable import TapStorage

/// Group commit keeps each use case's all-or-nothing: one that fails in a group rolls back alone.
@Suite("Group commit")
struct GroupCommitTests {
    struct Refused: Error, Equatable { let number: Int }

    @Test func aFailingWriteInAGroupRollsBackOnlyItsOwnChanges() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        try await fixture.store.write { db in try db.execute(sql: "CREATE TABLE scratch (number INTEGER PRIMARY KEY)") }

        // Each write inserts its row and then, for every third, fails after writing.
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for number in 0..<200 {
                group.addTask {
                    do {
                        let answered = try await fixture.store.write { db -> Int in
                            try db.execute(sql: "INSERT INTO scratch VALUES (?)", arguments: [number])
                            if number % 3 == 0 { throw Refused(number: number) }
                            return number
                        }
                        return (answered, true)
                    } catch let refused as Refused {
                        return (refused.number, false)
                    } catch {
                        return (-1, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for await (number, succeeded) in group { outcomes[number] = succeeded }
            return outcomes
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { number, succeeded in succeeded == (number % 3 != 0) })
        let stored = try await fixture.store.pool().read { db in try Int.fetchSet(db, sql: "SELECT number FROM scratch")
        }
        #expect(stored == Set((0..<200).filter { $0 % 3 != 0 }))
    }

    @Test func concurrentCreatesWithRefusalsKeepTheAuditChainWholeAndTheFeedAtItsHead() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.cleanUp() }
        let kiosk = try await fixture.operatorIdentity(.kiosk)
        // Odd requests are refused mid-way: a device already has an open session, so the create fails after
        // its device lookup, inside the group.
        _ = try await fixture.deviceSession(serial: "TAKEN-1", by: kiosk)
        let created = try await withThrowingTaskGroup(of: Bool.self) { group in
            for number in 0..<100 {
                group.addTask {
                    let request = NewSession(
                        scenario: .deviceEnrollment,
                        userPrincipalName: UserPrincipalName("u\(number)@contoso.example")!,
                        device: DeviceDescription(
                            serialNumber: SerialNumber(number.isMultiple(of: 2) ? "SN-\(number)" : "TAKEN-1")!,
                            platform: .ipados),
                        pass: PassRequest(maxUses: 1))
                    do {
                        _ = try await fixture.store.createSession(request, by: kiosk)
                        return true
                    } catch is EnrollmentError {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(created == 50)
        #expect(try await fixture.store.verifyAudit() == .intact(events: fixture.store.feed.latest))
        let sessions = try await fixture.store.pool().read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM session")
        }
        #expect(sessions == 51)
    }
}
