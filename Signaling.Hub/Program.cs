using Signaling.Hub.Admin;
using Signaling.Hub.Cluster;
using Signaling.Hub.Common;
using Signaling.Hub.Files;
using Signaling.Hub.Hubs;
using Signaling.Hub.Infrastructure;
using Signaling.Hub.Infrastructure.Redis;
using Signaling.Hub.Observability;
using Signaling.Hub.Operations;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;

// appsettings*.json still reload when edited, but found by polling those files: the default is a
// recursive inotify watch on the content root, which by default also holds the SQLite database and
// the uploads, so it woke on every database write (9% of the CPU in a profile of clients connecting)
// and took one inotify watch per folder below it from the machine's limit.
if (Environment.GetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
}

var builder = WebApplication.CreateBuilder(args);

// First: clients that arrive while the rest starts wait in the kernel's queue instead of being refused.
builder.AddSignalingListeners();
builder.AddSignalingDurations();
builder.AddSignalingTelemetry();
builder.AddSignalingHealthChecks();
builder.AddSignalingProblemDetails();
builder.AddSignalingHttpHardening();
builder.AddSignalingRateLimits();
builder.AddSignalingAuthentication();
builder.AddIceServers();
builder.AddSignalingHub();
builder.AddRooms();
builder.AddAdmin();
builder.AddFiles();
builder.AddCluster();
builder.AddOperations();
builder.AddSignalingStorage();
builder.AddSignalingRedis();
builder.AddSignalingOpenApi();
builder.AddSignalingShutdown();

var app = builder.Build();

app.UseSignalingProblemDetails();
app.UseSignalingHttpHardening();
// Before authentication: a hub request that arrives while stopping is refused without validating its token.
app.UseSignalingShutdown();
app.UseAuthentication();
app.UseAuthorization();
app.UseSignalingRateLimits();
app.UseSignalingOpenApi();

app.MapSignalingHealthChecks();
app.MapSignalingMetrics();
app.MapSignalingOpenApi();
app.MapDevTokens(app.Environment);
app.MapIceServers();
app.MapRooms();
app.MapFiles();
app.MapAdmin();
app.MapStats();
app.MapOperations();
app.MapSignalingHub();
app.MapSamplePages();

app.Run();

/// <summary>Entry point; public so that tests can host the app with <c>WebApplicationFactory</c>.</summary>
public partial class Program;
