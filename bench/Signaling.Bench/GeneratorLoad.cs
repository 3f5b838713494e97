using System.Globalization;

namespace Signaling.Bench;

/// <summary>
/// The generator's own CPU over a measured window, as the share of the cores it may use and the
/// busiest process's share of one core. A generator near its limit measures itself, not the
/// server: such a row is marked generator-bound and is no evidence for a throughput claim.
/// </summary>
public static class GeneratorLoad
{
    /// <summary>Above this share of one core (any process) or of all its cores (total), a row is generator-bound.</summary>
    public const double BoundShare = 0.8;

    /// <summary>The cores this process may run on: .NET counts the affinity mask (taskset), not the machine.</summary>
    public static int Cores => Environment.ProcessorCount;

    public static bool IsBound(double totalCpuSeconds, double busiestShare, double windowSeconds) =>
        windowSeconds > 0 && (busiestShare > BoundShare || totalCpuSeconds / windowSeconds / Cores > BoundShare);

    /// <summary>"45 % of 2 cores, busiest process 88 % of a core" as two table cells: the load and the verdict.</summary>
    public static (string Load, string Bound) Cells(double totalCpuSeconds, double busiestShare, double windowSeconds)
    {
        if (windowSeconds <= 0 || double.IsNaN(totalCpuSeconds))
        {
            return ("–", "–");
        }

        var total = totalCpuSeconds / windowSeconds / Cores;
        var load = string.Create(CultureInfo.InvariantCulture, $"{total * 100:F0} % of {Cores} / {busiestShare * 100:F0} %");
        return (load, IsBound(totalCpuSeconds, busiestShare, windowSeconds) ? "**yes**" : "no");
    }

    public const string HeaderCells = "generator CPU: % of its cores / busiest process % of a core | generator-bound";

    public const string HeaderAlign = "---:|---";
}
