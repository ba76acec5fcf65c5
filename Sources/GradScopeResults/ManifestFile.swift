/// The name of a results folder's manifest (written by the sweep layer, read by the report).
public enum ManifestFile {
    public static let name = "manifest.json"
}
