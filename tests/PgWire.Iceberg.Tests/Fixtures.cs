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
        ? "the Iceberg fixtures are not here (set PGWIRE_ICEBERG_FIXTURES, or put them in ../shared/fixtures/iceberg beside the repository or its main worktree)"
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
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }

                // A git worktree: the fixtures are beside the main checkout (.git holds "gitdir: MAIN/.git/worktrees/NAME").
                var gitFile = Path.Combine(dir.FullName, ".git");
                if (File.Exists(gitFile) && File.ReadAllText(gitFile).Trim() is var text && text.StartsWith("gitdir: ", StringComparison.Ordinal))
                {
                    var main = Path.GetFullPath(Path.Combine(text[8..], "..", "..", ".."));
                    candidate = Path.GetFullPath(Path.Combine(main, "..", "shared", "fixtures", "iceberg"));
                    return Directory.Exists(candidate) ? candidate : null;
                }

                return null;
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
