import Foundation
import TapHTTP
import Testing

@testable import TapAdmin

/// What the console's service page shows of the data directory's files.
@Suite("Service facts")
struct ServiceFactsTests {
    @Test func fileSizesAreWrittenForPeopleWithTheExactBytesBeside() {
        #expect(ServiceFacts.size(0) == "0 bytes")
        #expect(ServiceFacts.size(1023) == "1,023 bytes")
        #expect(ServiceFacts.size(417_792) == "408.0 KiB (417,792 bytes)")
        #expect(ServiceFacts.size(2_637_729_792) == "2.5 GiB (2,637,729,792 bytes)")
    }
}
