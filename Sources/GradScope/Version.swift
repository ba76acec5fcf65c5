/// gradscope's version, as printed by `gradscope --version` and stored in manifests.
public let gradscopeVersion = "0.1.0"
