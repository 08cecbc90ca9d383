using Xunit;

namespace PgWire.Iceberg.Tests;

/// <summary>
/// The shared Iceberg fixtures: PGWIRE_ICEBERG_FIXTURES, or ../shared/fixtures/iceberg beside the
/// repository. They are never copied into the repository.
/// </summary>
internal static class Fixtures
{
    public static readonly string? IcebergDir = Find();

    public static string? SkipReason => IcebergDir is null
        ? "the Iceberg fixtures are not here (set PGWIRE_ICEBERG_FIXTURES, or put them in ../shared/fixtures/iceberg beside the repository)"
        : null;

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("PGWIRE_ICEBERG_FIXTURES") is { Length: > 0 } env)
        {
            return Directory.Exists(env) ? env : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PgWire.sln")))
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "iceberg"));
                return Directory.Exists(candidate) ? candidate : null;
            }
        }

        return null;
    }
}

/// <summary>A fact that reads the shared Iceberg fixtures; skipped, with the reason, when they are absent.</summary>
public sealed class IcebergFixtureFactAttribute : FactAttribute
{
    public IcebergFixtureFactAttribute()
    {
        if (Fixtures.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

public sealed class IcebergFixtureTheoryAttribute : TheoryAttribute
{
    public IcebergFixtureTheoryAttribute()
    {
        if (Fixtures.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
