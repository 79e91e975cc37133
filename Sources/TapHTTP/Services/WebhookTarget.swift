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
    /// How many webhooks are sent to at once; each webhook gets its deliveries one at a time, in order, so a
    /// receiver that hangs holds one of these and delays no other webhook.
    public var maximumConcurrentWebhooks = 8
    /// Turns a host into its addresses (the system resolver; a test's fixed answer).
    public var resolve: @Sendable (String) -> [String] = WebhookTarget.resolve
    /// How old a signature's `t` may be before a receiver should refuse it; documented for receivers, who
    /// enforce it (the same window is in the docs and the spec).
    public static let replayWindowSeconds = 300

    /// Makes settings with the documented defaults.
    public init(
        allowedNetworks: [AddressBlock] = [], insecureHTTPAllowed: Bool = false,
        retry: WebhookRetryPolicy = WebhookRetryPolicy(),
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
/// loopback, private, link-local or otherwise internal address unless an admin allow-listed it. The sender
/// connects to the address that was checked, never to a second resolution of the name.
struct WebhookTarget {
    /// Blocks that no webhook reaches unless allow-listed. Besides the internal ranges, the IPv6 forms that
    /// carry an IPv4 address a gateway may forward to (IPv4-compatible `::a.b.c.d`, NAT64, 6to4 and its relay
    /// anycast, Teredo): through them an internal IPv4 address hides behind an address that looks public.
    static let internalNetworks: [AddressBlock] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4", "::/96", "64:ff9b::/96",
        "64:ff9b:1::/48", "2001::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8",
    ].compactMap(AddressBlock.init)

    /// A URL that may be used, with the address its host resolved to and that was checked.
    struct Destination: Equatable {
        /// The host as the URL names it (a name, or an address without brackets).
        var host: String
        /// The checked address to connect to.
        var address: String
    }

    /// What the check found: a refusal in words for the admin, or where to connect.
    enum Verdict: Equatable {
        case refused(String)
        case allowed(Destination)
    }

    /// Why a URL is refused, in words for the admin; `nil` when it may be used.
    static func refusal(_ url: String, settings: WebhookSettings) -> String? {
        if case .refused(let reason) = check(url, settings: settings) { return reason }
        return nil
    }

    /// Checks a URL and every address its host resolves to (with the settings' resolver).
    static func check(_ url: String, settings: WebhookSettings) -> Verdict {
        guard url.utf8.count <= 2048, let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return .refused("url must be an absolute https URL") }
        guard components.user == nil, components.password == nil else {
            return .refused("url must not carry credentials")
        }
        guard components.fragment == nil else { return .refused("url must not have a fragment") }
        // A zone id (`fe80::1%25eth0`) picks a local interface: never a place an event should go, and the
        // address filter cannot judge it.
        guard !host.contains("%"), components.percentEncodedHost?.contains("%") != true else {
            return .refused("url must not carry an IPv6 zone id")
        }
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses = settings.resolve(literal)
        guard let first = addresses.first else { return .refused("the host \(host) does not resolve") }
        // Every address is checked, not only the one connected to: a name may answer differently next time.
        guard addresses.allSatisfy({ AddressBlock($0) != nil }) else {
            return .refused("the host \(host) resolves to an address that cannot be checked")
        }
        let allowListed = addresses.allSatisfy { address in settings.allowedNetworks.contains { $0.contains(address) } }
        switch scheme {
        case "https": break
        case "http" where settings.insecureHTTPAllowed && allowListed: break
        default: return .refused("url must be https")
        }
        for address in addresses where !allowListed {
            if internalNetworks.contains(where: { $0.contains(address) }) {
                return .refused(
                    "the host \(host) is a loopback, private, link-local or IPv4-embedding address; "
                        + "an admin must allow-list it")
            }
        }
        return .allowed(Destination(host: literal, address: first))
    }

    /// The addresses `host` resolves to (itself when it is an address).
    @Sendable static func resolve(_ host: String) -> [String] {
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
            if getnameinfo(
                entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0,
                NI_NUMERICHOST) == 0
            {
                addresses.append(
                    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }
}
