using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Akka.Configuration.Hocon;

namespace PgWire.Actors;

/// <summary>
/// Akka's configuration reads every duration through a regular expression it builds with
/// <see cref="RegexOptions.Compiled"/>: the first duration an actor system's settings read then waits
/// while the JIT compiles the generated matcher, about 60 ms of one core at each start of a process,
/// for a few dozen matches. A process that keeps compiled dynamic code for its own needs (lrepl: the
/// state journal's expressions) gives that one expression an interpreted twin with the same pattern,
/// options and timeout before its first actor system reads its settings. Where the field is not there
/// (another Akka version) nothing changes.
/// </summary>
public static class ConfigRegexes
{
    private static int _done;

    /// <summary>Makes Akka's duration expression interpreted; once per process, before an actor system is created.</summary>
    public static void Interpret()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1)
        {
            return;
        }

        try
        {
            ref Regex field = ref DurationRegex(null);
            if (field is { } compiled && (compiled.Options & RegexOptions.Compiled) != 0)
            {
                field = new Regex(compiled.ToString(), compiled.Options & ~RegexOptions.Compiled, compiled.MatchTimeout);
            }
        }
        catch (MissingMemberException)
        {
            // Another Akka: it keeps its own expression.
        }
    }

    /// <summary>Whether Akka's duration expression is interpreted (tests).</summary>
    internal static bool DurationsInterpreted
    {
        get
        {
            try
            {
                return (DurationRegex(null).Options & RegexOptions.Compiled) == 0;
            }
            catch (MissingMemberException)
            {
                return false;
            }
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.StaticField, Name = "TimeSpanRegex")]
    private static extern ref Regex DurationRegex(HoconValue? value);
}
