import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// A page of devices visible to `viewer`, newest first.
    public func devices(
        serialNumber: SerialNumber?, site: SiteName?, visibleTo viewer: OperatorIdentity, after cursor: DeviceID?,
        limit: Int
    ) async throws -> Page<Device> {
        try await engine.read { db in
            var conditions = SQLConditions()
            conditions.match("site", viewer.site?.value)
            conditions.match("site", site?.value)
            conditions.match("serialNumber", serialNumber?.value)
            let page = conditions.newestFirst(after: cursor?.rawValue, limit: limit)
            let (records, next) = pageOf(
                try DeviceRecord.loadAll(db, page.clause, page.values, varying: true), limit: limit, id: \.id)
            return Page(items: try records.map { try $0.domain() }, nextCursor: next)
        }
    }

    /// One device, when `viewer` may see its site.
    public func device(_ id: DeviceID, visibleTo viewer: OperatorIdentity) async throws -> Device? {
        try await engine.read { db in
            guard let device = try DeviceRecord.load(db, id.rawValue)?.domain(), viewer.canSee(site: device.site)
            else { return nil }
            return device
        }
    }
}
