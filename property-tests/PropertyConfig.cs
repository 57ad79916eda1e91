namespace Autograd.PropertyTests;

/// <summary>How the FsCheck.Xunit [Property] tests run: one fixed replay seed, so every run draws the same cases. The
/// catalog properties take theirs from <see cref="OpProperties.ConfigFor"/> (a seed derived from the property's name).</summary>
public static class PropertyConfig
{
    /// <summary>Replay tuple of the FsCheck.Xunit [Property] tests (seed, gamma).</summary>
    public const string Replay = "20240611,11400714819323198485";
}
