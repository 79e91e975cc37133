/// A staging bench's CSV as `tapstation session import` and the console's bench import read it: `rows` iPads on
/// the `apple-ade` preset, with the lines named in `bad` (by line number; data starts on line 2) replaced.
public func benchCSV(rows: Int, bad: [Int: String] = [:]) -> String {
    var lines = ["serialNumber,platform,userPrincipalName,preset,assetTag,model"]
    for index in 0..<rows {
        lines.append(
            bad[index + 2]
                ?? "CART-\(index),ipados,dem\(index)@contoso.example,apple-ade,A-\(index),\"iPad, 10th gen\"")
    }
    return lines.joined(separator: "\n") + "\n"
}
