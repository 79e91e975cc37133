import Foundation
import TapAPI
import TapCore

/// A print-ready HTML page with one slip per device (serial, asset tag, user, pass, expiry), to cut apart
/// and lay on each device. Self-contained: no script, no outside asset, a policy that forbids loading any.
public enum SlipSheet {
    /// One slip.
    public struct Slip: Equatable, Sendable {
        public var serialNumber: String
        public var assetTag: String?
        public var model: String?
        public var userPrincipalName: String
        public var pass: String
        public var expires: Date

        public init(
            serialNumber: String, assetTag: String?, model: String?, userPrincipalName: String, pass: String,
            expires: Date
        ) {
            self.serialNumber = serialNumber
            self.assetTag = assetTag
            self.model = model
            self.userPrincipalName = userPrincipalName
            self.pass = pass
            self.expires = expires
        }
    }

    public static func render(_ slips: [Slip], title: String, now: Date) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="referrer" content="no-referrer">
            <title>\(HTMLText.escape(title))</title>
            <style>
            @page { size: A4; margin: 12mm; }
            * { box-sizing: border-box; }
            body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #000; margin: 0; }
            @media screen { body { margin: 8mm; max-width: 190mm; } }
            header { display: flex; justify-content: space-between; font-size: 10pt; margin-bottom: 6mm; }
            .sheet { display: grid; grid-template-columns: 1fr 1fr; gap: 0; }
            .slip { border: 1px dashed #555; padding: 5mm 6mm; min-height: 52mm; break-inside: avoid; page-break-inside: avoid; }
            .slip h2 { font-size: 13pt; margin: 0 0 2mm; letter-spacing: 0.02em; }
            .slip dl { display: grid; grid-template-columns: max-content 1fr; gap: 1mm 4mm; margin: 0; font-size: 10pt; }
            .slip dt { color: #333; }
            .slip dd { margin: 0; overflow-wrap: anywhere; }
            .pass { font-family: "DejaVu Sans Mono", "Courier New", monospace; font-size: 19pt; font-weight: bold;
                    letter-spacing: 0.08em; margin: 3mm 0; padding: 2mm 3mm; border: 2px solid #000; display: inline-block; }
            .note { font-size: 8pt; color: #333; margin-top: 2mm; }
            </style>
            </head>
            <body>
            <header><strong>\(HTMLText.escape(title))</strong><span>\(slips.count) device(s) · printed \(WireJSON.formatTime(now)) · shred after use</span></header>
            <main class="sheet">

            """
        for slip in slips {
            html += """
                <section class="slip">
                <h2>\(HTMLText.escape(slip.serialNumber))</h2>
                <div class="pass">\(HTMLText.escape(slip.pass))</div>
                <dl>
                <dt>User</dt><dd>\(HTMLText.escape(slip.userPrincipalName))</dd>
                <dt>Asset tag</dt><dd>\(HTMLText.escape(slip.assetTag ?? "—"))</dd>
                <dt>Model</dt><dd>\(HTMLText.escape(slip.model ?? "—"))</dd>
                <dt>Expires</dt><dd>\(HTMLText.escape(WireJSON.formatTime(slip.expires)))</dd>
                </dl>
                <p class="note">Type the pass when the device asks for the user's password. It stops working once the device has enrolled.</p>
                </section>

                """
        }
        html += "</main>\n</body>\n</html>\n"
        return html
    }
}
