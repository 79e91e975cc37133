import Foundation
import TapCore

// Hand-written JSON for the answers on the hot paths: a page of sessions, a minted session, a redeem
// (see `JSONWritable`). Keys are listed in `.sortedKeys` order; the tests check every field against the
// Codable encoding.

extension SessionView: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        json.openObject()
        try json.field("approval", encoded: approval)
        json.field("closedDateTime", time: closedDateTime)
        json.field("completionDeadline", time: completionDeadline)
        json.field("createdBy", createdBy.rawValue)
        json.field("createdDateTime", time: createdDateTime)
        try json.field("device", device)
        try json.field("entra", encoded: entra)
        json.field("firstUsedDateTime", time: firstUsedDateTime)
        json.field("id", id.rawValue)
        try json.field("pass", pass)
        json.field("privilegedSubject", privilegedSubject)
        try json.field("proofing", encoded: proofing)
        json.field("reason", reason)
        json.field("scenario", scenario)
        json.field("site", site.value)
        json.field("state", state)
        json.field("updatedDateTime", time: updatedDateTime)
        json.field("userPrincipalName", userPrincipalName.value)
        json.closeObject()
    }
}

extension PassView: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        json.openObject()
        json.field("authority", authority)
        json.field("expirationDateTime", time: expirationDateTime)
        json.field("isUsable", isUsable)
        json.field("isUsableOnce", isUsableOnce)
        json.field("lifetimeInMinutes", lifetimeInMinutes)
        json.field("maxUses", maxUses)
        json.field("methodUsabilityReason", methodUsabilityReason)
        json.field("startDateTime", time: startDateTime)
        json.field("temporaryAccessPass", temporaryAccessPass)
        json.field("usesRemaining", usesRemaining)
        json.closeObject()
    }
}

extension DeviceView: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        json.openObject()
        json.field("assetTag", assetTag)
        json.field("createdDateTime", time: createdDateTime)
        json.field("enrollmentState", enrollmentState)
        json.field("id", id.rawValue)
        json.field("lastSeenDateTime", time: lastSeenDateTime)
        json.field("mdmDeviceId", mdmDeviceId)
        json.field("model", model)
        json.field("platform", platform)
        json.field("serialNumber", serialNumber.value)
        json.field("site", site.value)
        json.closeObject()
    }
}

extension ListPage: JSONWritable where Item: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        json.openObject()
        json.key("items")
        json.openArray()
        for item in items { try item.write(to: &json) }
        json.closeArray()
        json.field("nextCursor", nextCursor)
        json.closeObject()
    }
}

extension RedeemResponse: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        json.openObject()
        json.key("session")
        try session.write(to: &json)
        json.field("sessionExpirationDateTime", time: sessionExpirationDateTime)
        json.field("sessionToken", sessionToken)
        json.closeObject()
    }
}

extension RedeemedSession: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        json.openObject()
        try json.field("device", device)
        json.field("id", id.rawValue)
        json.field("scenario", scenario)
        json.field("state", state)
        json.field("userPrincipalName", userPrincipalName.value)
        json.closeObject()
    }
}

extension DeviceSummary: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        json.openObject()
        json.field("model", model)
        json.field("platform", platform)
        json.field("serialNumber", serialNumber.value)
        json.closeObject()
    }
}
