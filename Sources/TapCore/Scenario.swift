/// What an enrollment session is for.
public enum Scenario: String, Codable, Sendable, CaseIterable {
    /// Enroll a device in single-app mode; the session names the device.
    case deviceEnrollment
    /// Register a FIDO2 security key for a passwordless user.
    case fido2Registration
}

/// The operating system family of a device.
public enum DevicePlatform: String, Codable, Sendable, CaseIterable {
    case ios, ipados, android, windows, macos, linux, other
}

/// Where a device stands in its enrollment.
public enum EnrollmentState: String, Codable, Sendable, CaseIterable {
    case pending, enrolling, enrolled, failed, retired
}
