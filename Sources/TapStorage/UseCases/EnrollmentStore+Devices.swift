import Foundation
import GRDB
import TapCore

extension EnrollmentStore {
    /// A page of devices visible to `viewer`, newest first.
    public func devices(
        serialNumber: SerialNumber?, site: SiteName?, visibleTo viewer: OperatorIdentity, after cursor: DeviceID?, limit: Int
    ) async throws -> Page<Device> {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let own = viewer.site { conditions.append("site = ?"); arguments.append(own.value) }
        if let site { conditions.append("site = ?"); arguments.append(site.value) }
        if let serialNumber { conditions.append("serialNumber = ?"); arguments.append(serialNumber.value) }
        if let cursor { conditions.append("id < ?"); arguments.append(cursor.rawValue) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(limit + 1)
        let sql = "SELECT * FROM device \(whereClause) ORDER BY id DESC LIMIT ?"
        let statementArguments = StatementArguments(arguments)
        return try await pool.read { db in
            let (records, next) = pageOf(try DeviceRecord.fetchAll(db, sql: sql, arguments: statementArguments), limit: limit, id: \.id)
            return Page(items: try records.map { try $0.domain() }, nextCursor: next)
        }
    }

    /// One device, when `viewer` may see its site.
    public func device(_ id: DeviceID, visibleTo viewer: OperatorIdentity) async throws -> Device? {
        try await pool.read { db in
            guard let device = try DeviceRecord.find(db, id.rawValue)?.domain(), viewer.canSee(site: device.site)
            else { return nil }
            return device
        }
    }
}
