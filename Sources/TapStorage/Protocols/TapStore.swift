import Foundation
import TapCore

/// Everything the application needs from storage: every use-case area, plus Entra mode's ledger.
///
/// One protocol that refines the areas (rather than a composition) so that an `any TapStore` carries one
/// witness table. The SQLite `EnrollmentStore` conforms; a PostgreSQL store will be the second, and
/// Tests/TapStorageTests/Conformance proves both against the same rules.
public protocol TapStore:
    SessionStore, RedeemStore, DeviceStore, SecurityKeyStore, OperatorStore, ApprovalStore, AuditStore, WebhookStore,
    MaintenanceStore, ConsoleStore, MetadataStore, EntraLedger
{}

/// Limits every store keeps alike, so that callers need not name an engine to read them.
public enum StoreLimits {
    /// Most rows in one batch create.
    public static let maximumBatchRows = 500
    /// How long a kiosk enrolment code lives: long enough to read it out, short enough that a written-down
    /// code is soon worthless.
    public static let enrolmentCodeLifetime: TimeInterval = 3600
}
