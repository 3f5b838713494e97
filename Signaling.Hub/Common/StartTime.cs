using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Signaling.Hub.Common;

/// <summary>
/// When this instance started. A hosted service, so it is created while the host starts: a
/// singleton made on first use would date the start from whoever asked first.
/// </summary>
public sealed class StartTime(TimeProvider time) : IHostedService
{
    /// <summary>Unix milliseconds.</summary>
    public long At { get; } = time.NowMs();

    public long UptimeSeconds => (time.NowMs() - At) / 1000;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Registers the start time once, however many features ask for it.</summary>
    public static void AddTo(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(StartTime)))
        {
            return;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StartTime>();
        services.AddHostedService(sp => sp.GetRequiredService<StartTime>());
    }
}
