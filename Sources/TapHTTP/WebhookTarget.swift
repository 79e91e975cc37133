import Foundation
import TapCore
import TapStorage

#if canImport(Glibc)
import Glibc
#endif

/// Where webhooks may be sent, and how deliveries are retried. docs/configuration.md documents each.
public struct WebhookSettings: Sendable {
    /// Addresses that are refused by default (loopback, private, link-local) but allowed here, e.g. a
    /// ticketing system on the organisation's own network, or a test's receiver on 127.0.0.1.
    public var allowedNetworks: [AddressBlock]
    /// Whether plain http is accepted toward an allow-listed network (for a local test receiver only).
    public var insecureHTTPAllowed: Bool
    /// Back-off and dead-lettering.
    public var retry: WebhookRetryPolicy
    /// One attempt's time limit (connect, send and answer).
    public var requestTimeout: Duration
    /// How often the sender looks for due deliveries.
    public var pollInterval: Duration
    /// Whether sending is held: events still queue as deliveries, none is attempted (maintenance, and
    /// test runs that must not send traffic anywhere).
    public var deliveryPaused = false
    /// How old a signature's `t` may be before a receiver should refuse it; documented for receivers, who
    /// enforce it (the same window is in the docs and the spec).
    public static let replayWindowSeconds = 300

    /// Makes settings with the documented defaults.
    public init(
        allowedNetworks: [AddressBlock] = [], insecureHTTPAllowed: Bool = false, retry: WebhookRetryPolicy = WebhookRetryPolicy(),
        requestTimeout: Duration = .seconds(10), pollInterval: Duration = .seconds(2)
    ) {
        self.allowedNetworks = allowedNetworks
        self.insecureHTTPAllowed = insecureHTTPAllowed
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.pollInterval = pollInterval
    }
}

/// Checks a webhook URL and the addresses its host resolves to: https only, no credentials in it, and no
/// loopback, private, link-local or otherwise internal address unless an admin allow-listed it.
struct WebhookTarget {
    /// Blocks that no webhook reaches unless allow-listed.
    static let internalNetworks: [AddressBlock] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10",
        "ff00::/8",
    ].compactMap(AddressBlock.init)

    /// Why a URL is refused, in words for the admin; `nil` when it may be used.
    static func refusal(_ url: String, settings: WebhookSettings) -> String? {
        guard url.utf8.count <= 2048, let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return "url must be an absolute https URL" }
        guard components.user == nil, components.password == nil else { return "url must not carry credentials" }
        guard components.fragment == nil else { return "url must not have a fragment" }
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses = resolve(literal)
        guard !addresses.isEmpty else { return "the host \(host) does not resolve" }
        let allowListed = addresses.allSatisfy { address in settings.allowedNetworks.contains { $0.contains(address) } }
        switch scheme {
        case "https": break
        case "http" where settings.insecureHTTPAllowed && allowListed: break
        default: return "url must be https"
        }
        for address in addresses where !allowListed {
            if internalNetworks.contains(where: { $0.contains(address) }) {
                return "the host \(host) is a loopback, private or link-local address; an admin must allow-list it"
            }
        }
        return nil
    }

    /// The addresses `host` resolves to (itself when it is an address).
    static func resolve(_ host: String) -> [String] {
        if AddressBlock(host) != nil { return [host] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }
}
