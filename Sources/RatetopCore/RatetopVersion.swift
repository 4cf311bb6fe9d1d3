/// ratetop's version, shown by `ratetop --version` and exported as `ratetop_build_info`.
/// `scripts/release` names the tarball after it; raise it with each release.
public enum RatetopVersion {
    public static let version = "0.2.0"
}
