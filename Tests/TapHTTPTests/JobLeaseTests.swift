import Foundation
import Logging
import TapCore
import TapHTTP
import TapStorage
import TapTestSupport
import Testing

/// Two instances' leases on one store: one runs the job, the other waits; a graceful stop hands it over.
@Suite("Job leases")
struct JobLeaseTests {
    @Test func oneOfTwoInstancesHoldsAJobAndAReleaseHandsItOver() async throws {
        let fixture = try await HTTPFixture()
        defer { fixture.cleanUp() }
        let logger = Logger(label: "lease-test")
        let first = JobLease(job: "webhooks", holder: "first", store: fixture.store, logger: logger)
        let second = JobLease(job: "webhooks", holder: "second", store: fixture.store, logger: logger)
        #expect(await first.hold())
        #expect(await !second.hold())
        #expect(first.isHeld(for: .seconds(20)))
        #expect(!first.isHeld(for: .seconds(30)), "the term less the clocks' margin")
        #expect(!second.isHeld(for: .zero))
        await first.release()
        #expect(!first.isHeld(for: .zero))
        #expect(await second.hold())
        #expect(await !first.hold())
    }
}
