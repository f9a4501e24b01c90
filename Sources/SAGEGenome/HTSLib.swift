import CHTSlib

/// Facts about the linked htslib.
public enum HTSLib {
    /// htslib's version string, e.g. "1.16".
    public static var version: String { String(cString: hts_version()) }
}
