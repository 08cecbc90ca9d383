using System.Reflection;
using PgWire.Protocol.Framing;
using Xunit;

namespace PgWire.Actors.Tests;

public class StartupWarmUpTests
{
    private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    [Fact]
    public void Every_type_with_a_fully_optimized_method_is_warmed_up()
    {
        var marked = new[] { typeof(StartupWarmUp).Assembly, typeof(FrameScanner).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.GetMethods(Declared).Any(m => (m.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0))
            .ToHashSet();
        Assert.NotEmpty(marked);
        Assert.Equal(marked.OrderBy(t => t.FullName), StartupWarmUp.SnapshotTypes.Distinct().OrderBy(t => t.FullName));
    }

    [Fact]
    public void The_snapshot_writer_methods_are_found_and_compile()
    {
        var methods = StartupWarmUp.HotMethods(StartupWarmUp.SnapshotTypes).Select(m => m.DeclaringType!.Name + "." + m.Name).ToList();
        Assert.Contains("CopyTextRowWriter.WriteRow", methods);
        Assert.Contains("CopyTextJsonWriter.EncodeRow", methods);
        Assert.Contains("JsonValues.NeedsEscape", methods);
        foreach (var method in StartupWarmUp.HotMethods(StartupWarmUp.SnapshotTypes))
        {
            System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(method.MethodHandle);
        }
    }
}
