using Signaling.Hub.Common;
using Signaling.Hub.Hubs;
using Signaling.Hub.Observability;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;
using Signaling.Hub.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddSignalingProblemDetails();
builder.AddSignalingAuthentication();
builder.AddSignalingStorage();
builder.AddSignalingHub();
builder.AddSignalingHealthChecks();

var app = builder.Build();

app.UseSignalingProblemDetails();
app.UseAuthentication();
app.UseAuthorization();

app.MapSignalingHealthChecks();
app.MapDevTokens(app.Environment);
app.MapIceServers();
app.MapRooms();
app.MapSignalingHub();

app.Run();

/// <summary>Entry point; public so that tests can host the app with <c>WebApplicationFactory</c>.</summary>
public partial class Program;
