import Foundation
import TapCore

/// Devices: reading them, and the check-ins that complete their enrollment sessions.
public protocol DeviceStore: Sendable {
    /// A page of the devices `viewer` may see, optionally one serial number or one site, after `cursor`.
    func devices(
        serialNumber: SerialNumber?, site: SiteName?, visibleTo viewer: OperatorIdentity, after cursor: DeviceID?,
        limit: Int
    ) async throws -> Page<Device>

    /// One device as `viewer` may see it.
    func device(_ id: DeviceID, visibleTo viewer: OperatorIdentity) async throws -> Device?

    /// The device reports with its session token that enrollment finished: the session completes, the pass dies.
    func checkInDevice(session id: SessionID, serialNumber: SerialNumber, mdmDeviceID: String?) async throws -> Session

    /// An MDM script reports a device of its site enrolled: that device's open session completes.
    func checkInDevice(
        serialNumber: SerialNumber, mdmDeviceID: String?, by actor: OperatorIdentity
    ) async throws
        -> Session
}
